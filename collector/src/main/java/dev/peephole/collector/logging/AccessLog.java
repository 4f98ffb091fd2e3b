package dev.peephole.collector.logging;

import dev.peephole.collector.security.AuthFilter;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Order;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.web.router.RouteAttributes;
import io.micronaut.web.router.UriRouteInfo;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The HTTP access log, logger {@code peephole.access}: one line a request with the user,
 * method, route (the route template, e.g. {@code /api/v1/agents/{agentId}/settings}, or the
 * path without its query string), status, duration in ms and the peer address. Query strings
 * and headers are never logged (they may carry tokens). A W3C {@code traceparent} header's
 * trace and span ids go to the line (and the MDC, as {@code trace_id} / {@code span_id}).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class AccessLog {

    public static final String LOGGER = "peephole.access";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);
    private static final String STARTED = "peephole.access.started";
    private static final Pattern TRACEPARENT = Pattern.compile("^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$");

    @RequestFilter
    public void start(HttpRequest<?> request) {
        request.setAttribute(STARTED, System.nanoTime());
    }

    @ResponseFilter
    public void log(HttpRequest<?> request, MutableHttpResponse<?> response) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long started = request.getAttribute(STARTED, Long.class).orElse(System.nanoTime());
        double millis = Math.round((System.nanoTime() - started) / 10_000.0) / 100.0;
        String user = request.getAttribute(AuthFilter.PRINCIPAL_ATTRIBUTE, Principal.class)
                .map(Principal::username).orElse("-");
        String route = RouteAttributes.getRouteInfo(request)
                .filter(UriRouteInfo.class::isInstance)
                .map(r -> ((UriRouteInfo<?, ?>) r).getUriMatchTemplate().toString())
                .orElse(request.getPath());
        String traceId = null;
        String spanId = null;
        String traceparent = request.getHeaders().get("traceparent");
        if (traceparent != null) {
            Matcher m = TRACEPARENT.matcher(traceparent.trim());
            if (m.matches()) {
                traceId = m.group(1);
                spanId = m.group(2);
            }
        }
        try {
            if (traceId != null) {
                MDC.put("trace_id", traceId);
                MDC.put("span_id", spanId);
            }
            LOG.atInfo()
                    .addKeyValue("user", user)
                    .addKeyValue("method", request.getMethodName())
                    .addKeyValue("route", route)
                    .addKeyValue("status", response.code())
                    .addKeyValue("duration_ms", millis)
                    .addKeyValue("remote", Requests.clientAddress(request))
                    .log("{} {} {} {} {}ms", user, request.getMethodName(), route, response.code(), millis);
        } finally {
            if (traceId != null) {
                MDC.remove("trace_id");
                MDC.remove("span_id");
            }
        }
    }

}
