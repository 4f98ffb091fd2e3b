package dev.peephole.collector.dashboard;

import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;

/**
 * Browser hardening on every response: a Content-Security-Policy that allows only the
 * collector's own scripts and styles (no inline script or style, no framing), no MIME
 * sniffing, no referrer leaving the origin. A response that sets its own policy keeps it and may be
 * framed by the dashboard (same origin only). The dashboard's static scripts and styles get their
 * content type (the static resource handler leaves it out) and are revalidated on each load.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class SecurityHeadersFilter implements Ordered {

    /** Outside every other filter, so responses they end early (401, 403, 429) get the headers too. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    public static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'";

    @ResponseFilter
    public void headers(HttpRequest<?> request, MutableHttpResponse<?> response) {
        String path = request.getPath();
        if (path.startsWith("/ui/") && response.status().getCode() == 200) {
            // static files come without a type; with nosniff the browser would refuse the modules
            if (path.endsWith(".js")) {
                response.getHeaders().set("Content-Type", "text/javascript;charset=utf-8");
            } else if (path.endsWith(".css")) {
                response.getHeaders().set("Content-Type", "text/css;charset=utf-8");
            }
            response.header("Cache-Control", "no-cache");
        }
        if (response.getHeaders().contains("Content-Security-Policy")) {
            // a response with a policy of its own (a report's HTML, shown in the dashboard's sandboxed iframe)
            response.getHeaders().set("X-Frame-Options", "SAMEORIGIN");
        } else {
            response.header("Content-Security-Policy", CSP);
            response.header("X-Frame-Options", "DENY");
        }
        response.header("X-Content-Type-Options", "nosniff");
        response.header("Referrer-Policy", "no-referrer");
    }
}
