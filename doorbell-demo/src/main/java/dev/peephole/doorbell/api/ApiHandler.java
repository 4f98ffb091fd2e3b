package dev.peephole.doorbell.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.peephole.doorbell.events.DoorbellEvent;
import dev.peephole.doorbell.events.EventStore;
import dev.peephole.doorbell.events.EventType;
import dev.peephole.doorbell.vision.Gallery;
import dev.peephole.doorbell.vision.Person;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Routes and answers the requests of the doorbell API (see {@link ApiServer}). Thread-safe. */
public class ApiHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(ApiHandler.class.getName());

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 1000;

    private final ObjectMapper json = new ObjectMapper();
    private final EventStore events;
    private final Gallery gallery;
    private final StatusSource status;

    public ApiHandler(EventStore events, Gallery gallery, StatusSource status) {
        this.events = events;
        this.gallery = gallery;
        this.status = status;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getRawPath();
        try {
            Object body;
            int code = 200;
            switch (path) {
                case "/api/health":
                    requireGet(exchange);
                    params(exchange, Collections.emptySet());
                    Map<String, Object> health = health();
                    code = "UP".equals(health.get("status")) ? 200 : 503;
                    body = health;
                    break;
                case "/api/events":
                    requireGet(exchange);
                    body = events(params(exchange, new HashSet<>(Arrays.asList("limit", "type"))));
                    break;
                case "/api/people":
                    requireGet(exchange);
                    params(exchange, Collections.emptySet());
                    body = people();
                    break;
                default:
                    throw new ApiException(404, "no such path: " + path);
            }
            send(exchange, code, body);
        } catch (ApiException e) {
            send(exchange, e.getStatus(), error(e.getStatus(), e.getMessage(), path));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "request " + path + " failed", e);
            send(exchange, 500, error(500, "internal error", path));
        } finally {
            exchange.close();
        }
    }

    private static void requireGet(HttpExchange exchange) throws ApiException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            exchange.getResponseHeaders().set("Allow", "GET");
            throw new ApiException(405, "method " + exchange.getRequestMethod() + " not allowed; use GET");
        }
    }

    /** Query parameters, each at most once, only the allowed names. */
    private static Map<String, String> params(HttpExchange exchange, Set<String> allowed) throws ApiException {
        Map<String, String> out = new LinkedHashMap<>();
        String query = exchange.getRequestURI().getRawQuery();
        if (query == null || query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name;
            String value;
            try {
                name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "malformed query string");
            }
            if (!allowed.contains(name)) {
                throw new ApiException(400, allowed.isEmpty() ? "this path takes no parameters (got '" + name + "')"
                        : "unknown parameter '" + name + "'; allowed: " + String.join(", ", new TreeSet<>(allowed)));
            }
            if (out.put(name, value) != null) {
                throw new ApiException(400, "parameter '" + name + "' given more than once");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ endpoints

    private Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.isRunning() ? "UP" : "DOWN");
        m.put("framesProcessed", status.getFramesProcessed());
        m.put("uptimeSeconds", status.getUptimeSeconds());
        return m;
    }

    private Map<String, Object> events(Map<String, String> params) throws ApiException {
        int limit = DEFAULT_LIMIT;
        String rawLimit = params.get("limit");
        if (rawLimit != null) {
            try {
                limit = Integer.parseInt(rawLimit.trim());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new ApiException(400, "limit must be an integer from 1 to " + MAX_LIMIT + " (got '" + rawLimit + "')");
            }
        }
        EventType type = null;
        String rawType = params.get("type");
        if (rawType != null) {
            try {
                type = EventType.valueOf(rawType.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ApiException(400, "type must be one of " + Arrays.toString(EventType.values()) + " (got '" + rawType + "')");
            }
        }
        List<Map<String, Object>> list = new ArrayList<>();
        for (DoorbellEvent e : events.recent(limit, type)) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.getId());
            m.put("time", e.getTime().toString());
            m.put("type", e.getType().name());
            m.put("personId", e.getPersonId());
            m.put("personName", e.getPersonName());
            m.put("confidence", e.getConfidence());
            m.put("frameId", e.getFrameId());
            list.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", list.size());
        body.put("events", list);
        return body;
    }

    private Map<String, Object> people() {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Person p : gallery.people()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", p.getId());
            m.put("name", p.getName());
            m.put("role", p.getRole().label());
            list.add(m);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("count", list.size());
        body.put("people", list);
        return body;
    }

    private static Map<String, Object> error(int status, String message, String path) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status);
        m.put("error", reason(status));
        m.put("message", message);
        m.put("path", path);
        return m;
    }

    private static String reason(int status) {
        switch (status) {
            case 400:
                return "Bad Request";
            case 404:
                return "Not Found";
            case 405:
                return "Method Not Allowed";
            case 503:
                return "Service Unavailable";
            default:
                return "Internal Server Error";
        }
    }

    private void send(HttpExchange exchange, int code, Object body) throws IOException {
        byte[] bytes = json.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }
}
