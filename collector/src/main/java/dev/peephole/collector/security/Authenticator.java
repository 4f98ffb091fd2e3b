package dev.peephole.collector.security;

import dev.peephole.collector.users.ApiTokenEntity;
import dev.peephole.collector.users.ApiTokenRepository;
import dev.peephole.collector.users.Role;
import dev.peephole.collector.users.UserEntity;
import dev.peephole.collector.users.UserRepository;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks HTTP Basic credentials and bearer API tokens against the database.
 * Successful Basic checks are remembered for a minute (keyed by a SHA-256 of user and
 * password) so API clients that send Basic on every request do not pay bcrypt each time.
 */
@Singleton
public class Authenticator {

    private static final long VERIFIED_TTL_MILLIS = 60_000;
    private static final int MAX_VERIFIED = 10_000;

    private record Verified(Principal principal, long until) {
    }

    private final UserRepository users;
    private final ApiTokenRepository tokens;
    private final PasswordHasher hasher;
    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    public Authenticator(UserRepository users, ApiTokenRepository tokens, PasswordHasher hasher) {
        this.users = users;
        this.tokens = tokens;
        this.hasher = hasher;
    }

    public Optional<Principal> basic(String username, String password) {
        String cacheKey = HexFormat.of().formatHex(sha256(username + '\n' + password));
        long now = System.currentTimeMillis();
        Verified v = verified.get(cacheKey);
        if (v != null && v.until() > now) {
            return Optional.of(v.principal());
        }
        Optional<UserEntity> user = users.findByUsername(username);
        if (user.isEmpty() || user.get().disabled() || !hasher.matches(password, user.get().passwordHash())) {
            return Optional.empty();
        }
        Principal p = new Principal(user.get().id(), username, Role.fromDb(user.get().role()), "basic");
        if (verified.size() > MAX_VERIFIED) {
            verified.clear();
        }
        verified.put(cacheKey, new Verified(p, now + VERIFIED_TTL_MILLIS));
        return Optional.of(p);
    }

    public Optional<Principal> bearer(String token) {
        Optional<ApiTokenEntity> found = tokens.findByTokenHash(hashToken(token));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ApiTokenEntity t = found.get();
        if (t.expiresAt() != null && t.expiresAt().isBefore(Instant.now())) {
            return Optional.empty();
        }
        return users.findById(t.userId())
                .filter(u -> !u.disabled())
                .map(u -> new Principal(u.id(), u.username(), Role.fromDb(u.role()), "token:" + t.name()));
    }

    /** Forget cached Basic checks, e.g. after a password change. */
    public void forgetVerified() {
        verified.clear();
    }

    public static String hashToken(String token) {
        return HexFormat.of().formatHex(sha256(token));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
