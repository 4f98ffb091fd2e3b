package dev.peephole.collector.security;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.users.Role;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Dashboard sessions: a random 256-bit id in an HttpOnly cookie, stored only as its SHA-256
 * hash with the user, an expiry and the session's CSRF token (also 256 random bits).
 * Every collector on the database shares them.
 */
@Singleton
public class SessionStore {

    public static final String COOKIE = "peephole_session";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A new session: the raw id goes into the cookie and nowhere else. */
    public record Created(String id, String csrfToken, Instant expiresAt) {
    }

    /** A live session found by its cookie. */
    public record Session(Principal principal, String csrfToken, Instant expiresAt) {
    }

    private final DataSource dataSource;
    private final Duration ttl;

    public SessionStore(ConnectionPool pool, @Value("${peephole.session.ttl:12h}") Duration ttl) {
        this.dataSource = pool.dataSource();
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("PEEPHOLE_SESSION_TTL must be positive");
        }
        this.ttl = ttl;
    }

    public Duration ttl() {
        return ttl;
    }

    public Created create(long userId, String sourceIp) throws SQLException {
        String id = random();
        String csrf = random();
        Instant expires = Instant.now().plus(ttl);
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement del = c.prepareStatement("DELETE FROM dashboard_sessions WHERE expires_at < now()")) {
                del.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO dashboard_sessions (id_hash, user_id, csrf_token, expires_at, source_ip) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, Authenticator.hashToken(id));
                ps.setLong(2, userId);
                ps.setString(3, csrf);
                ps.setTimestamp(4, Timestamp.from(expires));
                ps.setString(5, sourceIp);
                ps.executeUpdate();
            }
        }
        return new Created(id, csrf, expires);
    }

    /** The session of a cookie value, if it exists, has not expired and its user is enabled. */
    public Optional<Session> find(String id) throws SQLException {
        if (id == null || id.isEmpty() || id.length() > 100) {
            return Optional.empty();
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT s.csrf_token, s.expires_at, u.id, u.username, u.role FROM dashboard_sessions s "
                             + "JOIN users u ON u.id = s.user_id "
                             + "WHERE s.id_hash = ? AND s.expires_at > now() AND NOT u.disabled")) {
            ps.setString(1, Authenticator.hashToken(id));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Principal p = new Principal(rs.getLong(3), rs.getString(4), Role.fromDb(rs.getString(5)), "session");
                return Optional.of(new Session(p, rs.getString(1), rs.getTimestamp(2).toInstant()));
            }
        }
    }

    /** Ends a session (logout); true if there was one. */
    public boolean delete(String id) throws SQLException {
        if (id == null || id.isEmpty()) {
            return false;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("DELETE FROM dashboard_sessions WHERE id_hash = ?")) {
            ps.setString(1, Authenticator.hashToken(id));
            return ps.executeUpdate() > 0;
        }
    }

    private static String random() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
