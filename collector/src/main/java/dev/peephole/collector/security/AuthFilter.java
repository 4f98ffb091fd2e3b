package dev.peephole.collector.security;

import dev.peephole.collector.http.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Every path but the public ones needs HTTP Basic credentials of a user or a bearer API
 * token. Viewers read; requests that change something need an admin. Failed logins
 * are rate-limited per address and per user and address.
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class AuthFilter {

    public static final String PRINCIPAL_ATTRIBUTE = "peephole.principal";
    private static final Set<String> PUBLIC_PATHS = Set.of("/health", "/ready");
    /** POSTs that only read, as Prometheus' API allows them. */
    private static final Set<String> READ_ONLY_POSTS = Set.of(
            "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels");
    /** Any user may manage their own API tokens. */
    private static final Set<String> SELF_SERVICE_PATHS = Set.of("/api/v1/tokens");

    private final Authenticator authenticator;
    private final LoginRateLimiter limiter;

    public AuthFilter(Authenticator authenticator, LoginRateLimiter limiter) {
        this.authenticator = authenticator;
        this.limiter = limiter;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (PUBLIC_PATHS.contains(path)) {
            return null;
        }
        String header = request.getHeaders().get("Authorization");
        if (header == null) {
            return unauthorized("authentication required: HTTP Basic credentials or a bearer API token");
        }
        String address = Requests.clientAddress(request);
        Optional<Principal> principal;
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String[] userAndPassword = decodeBasic(header.substring(6).trim());
            if (userAndPassword == null) {
                return unauthorized("malformed Basic credentials");
            }
            long now = System.currentTimeMillis();
            if (limiter.isBlocked(userAndPassword[0], address, now)) {
                return ApiError.response(HttpStatus.TOO_MANY_REQUESTS, "too many failed logins; try again later");
            }
            principal = authenticator.basic(userAndPassword[0], userAndPassword[1]);
            if (principal.isEmpty()) {
                limiter.failed(userAndPassword[0], address, now);
                return unauthorized("wrong user name or password");
            }
            limiter.succeeded(userAndPassword[0], address);
        } else if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            long now = System.currentTimeMillis();
            if (limiter.isBlocked("(token)", address, now)) {
                return ApiError.response(HttpStatus.TOO_MANY_REQUESTS, "too many failed logins; try again later");
            }
            principal = authenticator.bearer(header.substring(7).trim());
            if (principal.isEmpty()) {
                limiter.failed("(token)", address, now);
                return unauthorized("unknown or expired API token");
            }
        } else {
            return unauthorized("unsupported authorization scheme");
        }
        if (changes(request, path) && !principal.get().isAdmin()) {
            return ApiError.response(HttpStatus.FORBIDDEN, "this change needs the admin role");
        }
        request.setAttribute(PRINCIPAL_ATTRIBUTE, principal.get());
        return null;
    }

    private static boolean changes(HttpRequest<?> request, String path) {
        HttpMethod m = request.getMethod();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return false;
        }
        if (m == HttpMethod.POST && (READ_ONLY_POSTS.contains(path) || path.startsWith("/api/v1/label/"))) {
            return false;
        }
        return !SELF_SERVICE_PATHS.contains(path) && !path.startsWith("/api/v1/tokens/");
    }

    private static String[] decodeBasic(String encoded) {
        try {
            String decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon <= 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static HttpResponse<?> unauthorized(String message) {
        return ApiError.response(HttpStatus.UNAUTHORIZED, message)
                .header("WWW-Authenticate", "Basic realm=\"Peephole\", charset=\"UTF-8\"");
    }
}
