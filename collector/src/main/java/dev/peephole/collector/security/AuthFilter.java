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
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * Every path but the public ones needs HTTP Basic credentials of a user, a bearer API
 * token, or the dashboard's session cookie. Viewers read; requests that change something
 * need an admin. Failed logins are rate-limited per address and per user and address.
 * A change authenticated by the session cookie must also carry the session's CSRF token in
 * {@code X-CSRF-Token} (Basic and bearer clients send no cookie and need none).
 */
@ServerFilter(ServerFilter.MATCH_ALL_PATTERN)
public class AuthFilter {

    public static final String PRINCIPAL_ATTRIBUTE = "peephole.principal";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    /** Sent by the dashboard's own requests: a 401 then carries no Basic challenge (no browser dialog). */
    public static final String UI_HEADER = "X-Requested-With";
    /** The dashboard's HTML shell and its static assets (scripts, styles, uPlot) are public. */
    private static final Set<String> PUBLIC_PATHS = Set.of("/health", "/ready", "/");
    private static final String PUBLIC_ASSETS = "/ui/";
    private static final String SESSION_PATH = "/api/v1/session";
    /** POSTs that only read, as Prometheus' API allows them. */
    private static final Set<String> READ_ONLY_POSTS = Set.of(
            "/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels");
    /** Any user may manage their own API tokens. */
    private static final Set<String> SELF_SERVICE_PATHS = Set.of("/api/v1/tokens", SESSION_PATH);
    /** Any user may create dashboards; the controller lets only the owner and admins change one. */
    private static final String DASHBOARDS_PATH = "/api/v1/dashboards";

    private final Authenticator authenticator;
    private final LoginRateLimiter limiter;
    private final SessionStore sessions;

    public AuthFilter(Authenticator authenticator, LoginRateLimiter limiter, SessionStore sessions) {
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.sessions = sessions;
    }

    @RequestFilter
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Nullable
    public HttpResponse<?> authenticate(HttpRequest<?> request) {
        String path = request.getPath();
        if (PUBLIC_PATHS.contains(path) || path.startsWith(PUBLIC_ASSETS)
                || (SESSION_PATH.equals(path) && request.getMethod() == HttpMethod.POST)) {
            return null;
        }
        String header = request.getHeaders().get("Authorization");
        Optional<io.micronaut.http.cookie.Cookie> cookie = request.getCookies().findCookie(SessionStore.COOKIE);
        boolean fromUi = cookie.isPresent() || request.getHeaders().contains(UI_HEADER);
        if (header == null && cookie.isPresent()) {
            return bySession(request, path, cookie.get().getValue());
        }
        if (header == null) {
            return unauthorized("authentication required: HTTP Basic credentials or a bearer API token", fromUi);
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

    private HttpResponse<?> bySession(HttpRequest<?> request, String path, String sessionId) {
        Optional<SessionStore.Session> session;
        try {
            session = sessions.find(sessionId);
        } catch (java.sql.SQLException e) {
            return ApiError.response(HttpStatus.SERVICE_UNAVAILABLE, "the session store is not available");
        }
        if (session.isEmpty()) {
            return unauthorized("the session has ended; log in again", true);
        }
        if (statefulMethod(request, path)) {
            String sent = request.getHeaders().get(CSRF_HEADER);
            if (sent == null || !MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                    session.get().csrfToken().getBytes(StandardCharsets.UTF_8))) {
                return ApiError.response(HttpStatus.FORBIDDEN, "missing or wrong " + CSRF_HEADER + " header");
            }
        }
        if (changes(request, path) && !session.get().principal().isAdmin()) {
            return ApiError.response(HttpStatus.FORBIDDEN, "this change needs the admin role");
        }
        request.setAttribute(PRINCIPAL_ATTRIBUTE, session.get().principal());
        return null;
    }

    /** POST, PUT, DELETE, PATCH, but not Prometheus' read-only POSTs. */
    private static boolean statefulMethod(HttpRequest<?> request, String path) {
        HttpMethod m = request.getMethod();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return false;
        }
        return !(m == HttpMethod.POST && (READ_ONLY_POSTS.contains(path) || path.startsWith("/api/v1/label/")));
    }

    private static boolean changes(HttpRequest<?> request, String path) {
        HttpMethod m = request.getMethod();
        if (m == HttpMethod.GET || m == HttpMethod.HEAD || m == HttpMethod.OPTIONS) {
            return false;
        }
        if (m == HttpMethod.POST && (READ_ONLY_POSTS.contains(path) || path.startsWith("/api/v1/label/"))) {
            return false;
        }
        return !SELF_SERVICE_PATHS.contains(path) && !path.startsWith("/api/v1/tokens/")
                && !DASHBOARDS_PATH.equals(path) && !path.startsWith(DASHBOARDS_PATH + "/");
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
        return unauthorized(message, false);
    }

    private static HttpResponse<?> unauthorized(String message, boolean fromUi) {
        io.micronaut.http.MutableHttpResponse<?> r = ApiError.response(HttpStatus.UNAUTHORIZED, message);
        return fromUi ? r : r.header("WWW-Authenticate", "Basic realm=\"Peephole\", charset=\"UTF-8\"");
    }
}
