package dev.peephole.collector.jaeger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Jaeger's query HTTP API over the stored spans, with its parameters and JSON, so the
 * Jaeger UI and Grafana's Jaeger data source work against Peephole unchanged.
 */
@Controller("/api")
@ExecuteOn(TaskExecutors.BLOCKING)
public class JaegerController {

    private static final int MAX_LIMIT = 1500;
    private static final JsonFactory JSON = new JsonFactory();
    private final SpanQueries spans;

    public JaegerController(SpanQueries spans) {
        this.spans = spans;
    }

    /** A wrong parameter; answered with Jaeger's error envelope and a 400. */
    static final class BadRequest extends Exception {
        BadRequest(String message) {
            super(message);
        }
    }

    @Get(value = "/services", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> services() throws SQLException {
        List<String> names = spans.services();
        return ok(JaegerJson.envelope(names.size(), g -> JaegerJson.strings(g, names)));
    }

    @Get(value = "/services/{service}/operations", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> operationNames(@PathVariable String service) throws SQLException {
        List<String> names = spans.operations(service).stream().map(o -> o[0]).distinct().toList();
        return ok(JaegerJson.envelope(names.size(), g -> JaegerJson.strings(g, names)));
    }

    /** The newer form, with span kinds: {@code /api/operations?service=&spanKind=}. */
    @Get(value = "/operations", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> operations(@Nullable @QueryValue String service, @Nullable @QueryValue String spanKind)
            throws SQLException {
        if (service == null || service.isBlank()) {
            return bad("parameter 'service' is required");
        }
        List<String[]> ops = spans.operations(service).stream()
                .filter(o -> spanKind == null || spanKind.isEmpty() || o[1].equals(spanKind)).toList();
        return ok(JaegerJson.envelope(ops.size(), g -> {
            g.writeStartArray();
            for (String[] o : ops) {
                g.writeStartObject();
                g.writeStringField("name", o[0]);
                g.writeStringField("spanKind", o[1]);
                g.writeEndObject();
            }
            g.writeEndArray();
        }));
    }

    @Get(value = "/traces", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> findTraces(@Nullable @QueryValue String service, @Nullable @QueryValue String operation,
                                           @Nullable @QueryValue String tags, @Nullable @QueryValue String start,
                                           @Nullable @QueryValue String end, @Nullable @QueryValue String lookback,
                                           @Nullable @QueryValue String minDuration,
                                           @Nullable @QueryValue String maxDuration,
                                           @Nullable @QueryValue String limit) throws SQLException {
        try {
            if (service == null || service.isBlank()) {
                throw new BadRequest("parameter 'service' is required");
            }
            long endMicros = end == null || end.isEmpty() ? System.currentTimeMillis() * 1000 : parseLong("end", end);
            long startMicros;
            if (start != null && !start.isEmpty()) {
                startMicros = parseLong("start", start);
            } else {
                Duration back = lookback == null || lookback.isEmpty() || lookback.equals("custom")
                        ? Duration.ofHours(1) : parseDuration("lookback", lookback);
                startMicros = endMicros - back.toNanos() / 1000;
            }
            if (startMicros > endMicros) {
                throw new BadRequest("start must not be after end");
            }
            int n = limit == null || limit.isEmpty() ? 20 : (int) parseLong("limit", limit);
            if (n <= 0 || n > MAX_LIMIT) {
                throw new BadRequest("limit must be between 1 and " + MAX_LIMIT);
            }
            Long min = minDuration == null || minDuration.isEmpty() ? null : parseDuration("minDuration", minDuration).toNanos();
            Long max = maxDuration == null || maxDuration.isEmpty() ? null : parseDuration("maxDuration", maxDuration).toNanos();
            Map<String, List<SpanRow>> traces = spans.findTraces(new SpanQueries.TraceQuery(service,
                    operation == null || operation.isEmpty() ? null : operation, parseTags(tags),
                    startMicros, endMicros, min, max, n));
            return ok(JaegerJson.envelope(traces.size(), g -> {
                g.writeStartArray();
                for (Map.Entry<String, List<SpanRow>> t : traces.entrySet()) {
                    JaegerJson.trace(g, t.getKey(), t.getValue());
                }
                g.writeEndArray();
            }));
        } catch (BadRequest e) {
            return bad(e.getMessage());
        }
    }

    @Get(value = "/traces/{traceId}", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> trace(@PathVariable String traceId) throws SQLException {
        byte[] id;
        try {
            id = parseTraceId(traceId);
        } catch (BadRequest e) {
            return bad(e.getMessage());
        }
        Map<String, List<SpanRow>> traces = spans.spansOf(List.of(id));
        if (traces.isEmpty()) {
            return HttpResponse.notFound(JaegerJson.error(404, "trace not found")).contentType(MediaType.APPLICATION_JSON_TYPE);
        }
        return ok(JaegerJson.envelope(1, g -> {
            g.writeStartArray();
            for (Map.Entry<String, List<SpanRow>> t : traces.entrySet()) {
                JaegerJson.trace(g, t.getKey(), t.getValue());
            }
            g.writeEndArray();
        }));
    }

    @Get(value = "/dependencies", produces = MediaType.APPLICATION_JSON)
    public HttpResponse<String> dependencies(@Nullable @QueryValue String endTs, @Nullable @QueryValue String lookback)
            throws SQLException {
        try {
            long endMillis = endTs == null || endTs.isEmpty() ? System.currentTimeMillis() : parseLong("endTs", endTs);
            long lookbackMillis = lookback == null || lookback.isEmpty() ? 24 * 3600_000L : parseLong("lookback", lookback);
            if (lookbackMillis <= 0) {
                throw new BadRequest("lookback must be positive");
            }
            List<SpanQueries.Dependency> deps = spans.dependencies((endMillis - lookbackMillis) * 1000, endMillis * 1000);
            return ok(JaegerJson.envelope(deps.size(), g -> {
                g.writeStartArray();
                for (SpanQueries.Dependency d : deps) {
                    g.writeStartObject();
                    g.writeStringField("parent", d.parent());
                    g.writeStringField("child", d.child());
                    g.writeNumberField("callCount", d.callCount());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }));
        } catch (BadRequest e) {
            return bad(e.getMessage());
        }
    }

    static byte[] parseTraceId(String hex) throws BadRequest {
        if (hex.isEmpty() || hex.length() > 32 || !hex.chars().allMatch(ch -> Character.digit(ch, 16) >= 0)) {
            throw new BadRequest("malformed trace id '" + hex + "': up to 32 hex digits expected");
        }
        String padded = "0".repeat(32 - hex.length()) + hex.toLowerCase(java.util.Locale.ROOT);
        return HexFormat.of().parseHex(padded);
    }

    /** Jaeger's tags parameter: a JSON object of string values. */
    static Map<String, String> parseTags(String tags) throws BadRequest {
        Map<String, String> out = new LinkedHashMap<>();
        if (tags == null || tags.isBlank()) {
            return out;
        }
        try (JsonParser p = JSON.createParser(tags)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadRequest("malformed 'tags': a JSON object expected, e.g. {\"error\":\"true\"}");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken t = p.nextToken();
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    throw new BadRequest("malformed 'tags': values must be strings");
                }
                out.put(key, p.getText());
            }
        } catch (IOException e) {
            throw new BadRequest("malformed 'tags': " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
        }
        return out;
    }

    /** Go's duration syntax as Jaeger takes it: 1.5s, 100ms, 2h45m, 10us. */
    static Duration parseDuration(String name, String value) throws BadRequest {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)").matcher(value);
        long nanos = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            double n = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos += (long) (n * unit);
            at = m.end();
        }
        if (at == 0 || at != value.length()) {
            throw new BadRequest("malformed '" + name + "': '" + value + "' is not a duration like 100ms or 1.5s");
        }
        return Duration.ofNanos(nanos);
    }

    private static long parseLong(String name, String value) throws BadRequest {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest("malformed '" + name + "': '" + value + "' is not an integer");
        }
    }

    private static HttpResponse<String> ok(String json) {
        return HttpResponse.ok(json).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    private static HttpResponse<String> bad(String message) {
        return HttpResponse.badRequest(JaegerJson.error(400, message)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
