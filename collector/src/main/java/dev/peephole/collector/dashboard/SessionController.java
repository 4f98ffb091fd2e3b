package dev.peephole.collector.dashboard;

import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.security.Authenticator;
import dev.peephole.collector.security.LoginRateLimiter;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import dev.peephole.collector.security.SessionStore;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.cookie.Cookie;
import io.micronaut.http.cookie.SameSite;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The dashboard's login: {@code POST /api/v1/session} with a user's name and password sets
 * the session cookie and returns the CSRF token every change must carry in
 * {@code X-CSRF-Token}; {@code GET} tells the page who is logged in; {@code DELETE} logs out.
 */
@Controller("/api/v1/session")
@ExecuteOn(TaskExecutors.BLOCKING)
public class SessionController {

    private final Authenticator authenticator;
    private final LoginRateLimiter limiter;
    private final SessionStore sessions;

    public SessionController(Authenticator authenticator, LoginRateLimiter limiter, SessionStore sessions) {
        this.authenticator = authenticator;
        this.limiter = limiter;
        this.sessions = sessions;
    }

    @Serdeable
    public record Login(@Nullable String username, @Nullable String password) {
    }

    @Serdeable
    public record SessionView(String username, String role, @Nullable String csrfToken, @Nullable Instant expiresAt) {
    }

    @Serdeable
    public record SessionResponse(String status, SessionView data) {
    }

    @Post
    public HttpResponse<?> login(HttpRequest<?> request, @Body Login login) throws SQLException {
        if (login.username() == null || login.username().isBlank() || login.password() == null) {
            return ApiError.badData("username and password are required");
        }
        String address = Requests.clientAddress(request);
        long now = System.currentTimeMillis();
        if (limiter.isBlocked(login.username(), address, now)) {
            return ApiError.response(HttpStatus.TOO_MANY_REQUESTS, "too many failed logins; try again later");
        }
        Optional<Principal> principal = authenticator.basic(login.username(), login.password());
        if (principal.isEmpty()) {
            limiter.failed(login.username(), address, now);
            return ApiError.response(HttpStatus.UNAUTHORIZED, "wrong user name or password");
        }
        limiter.succeeded(login.username(), address);
        SessionStore.Created created = sessions.create(principal.get().userId(), address);
        Cookie cookie = Cookie.of(SessionStore.COOKIE, created.id())
                .httpOnly(true)
                .sameSite(SameSite.Strict)
                .path("/")
                .secure(request.isSecure())
                .maxAge(sessions.ttl());
        Principal p = principal.get();
        return HttpResponse.ok(new SessionResponse("success",
                        new SessionView(p.username(), p.role().name().toLowerCase(java.util.Locale.ROOT),
                                created.csrfToken(), created.expiresAt())))
                .cookie(cookie);
    }

    /** Who is logged in; with a session cookie also its CSRF token (for a reloaded page). */
    @Get
    public SessionResponse current(HttpRequest<?> request) throws SQLException {
        Principal p = Requests.principal(request);
        String csrf = null;
        Instant expires = null;
        Optional<Cookie> cookie = request.getCookies().findCookie(SessionStore.COOKIE);
        if ("session".equals(p.via()) && cookie.isPresent()) {
            Optional<SessionStore.Session> s = sessions.find(cookie.get().getValue());
            if (s.isPresent()) {
                csrf = s.get().csrfToken();
                expires = s.get().expiresAt();
            }
        }
        return new SessionResponse("success",
                new SessionView(p.username(), p.role().name().toLowerCase(java.util.Locale.ROOT), csrf, expires));
    }

    @Delete
    public HttpResponse<?> logout(HttpRequest<?> request) throws SQLException {
        Optional<Cookie> cookie = request.getCookies().findCookie(SessionStore.COOKIE);
        if (cookie.isPresent()) {
            sessions.delete(cookie.get().getValue());
        }
        return HttpResponse.noContent().cookie(Cookie.of(SessionStore.COOKIE, "").httpOnly(true)
                .sameSite(SameSite.Strict).path("/").secure(request.isSecure()).maxAge(Duration.ZERO));
    }
}
