package dev.peephole.collector.users;

import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.security.Authenticator;
import dev.peephole.collector.security.PasswordHasher;
import dev.peephole.collector.security.Principal;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users and their API tokens. On first start the {@code admin} user is created with
 * {@code PEEPHOLE_ADMIN_PASSWORD}, or with a generated password printed once.
 */
@Context
public class UserService {

    private static final Logger LOG = LoggerFactory.getLogger(UserService.class);
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final int MIN_PASSWORD_LENGTH = 8;
    public static final String TOKEN_PREFIX = "php_";

    /** A problem with what the caller asked for; its message is shown to them. */
    public static class InvalidRequest extends RuntimeException {
        public InvalidRequest(String message) {
            super(message);
        }
    }

    private final UserRepository users;
    private final ApiTokenRepository tokens;
    private final PasswordHasher hasher;
    private final Authenticator authenticator;
    private final AuditLog audit;
    private final SecureRandom random = new SecureRandom();

    public UserService(UserRepository users, ApiTokenRepository tokens, PasswordHasher hasher,
                       Authenticator authenticator, AuditLog audit, SchemaMigrator schema,
                       @Nullable @Value("${peephole.admin.password:}") String adminPassword) {
        this.users = users;
        this.tokens = tokens;
        this.hasher = hasher;
        this.authenticator = authenticator;
        this.audit = audit;
        schema.whenMigrated(() -> ensureAdmin(adminPassword));
    }

    private void ensureAdmin(String configured) {
        if (users.findByUsername("admin").isPresent()) {
            return;
        }
        boolean generated = configured == null || configured.isBlank();
        String password = generated ? randomSecret(18) : configured;
        validatePassword(password);
        try {
            users.save(new UserEntity(null, "admin", hasher.hash(password), Role.ADMIN.dbValue(), Instant.now(), false));
        } catch (RuntimeException e) {
            // Another collector on this database created it first.
            if (users.findByUsername("admin").isPresent()) {
                return;
            }
            throw e;
        }
        audit.record("system", "user.create", "admin", Map.of("role", "admin",
                "password", generated ? "generated" : "PEEPHOLE_ADMIN_PASSWORD"), "");
        if (generated) {
            // Printed once, to the console only; from here on only its hash exists.
            System.out.println("\nPeephole admin login: user 'admin', password '" + password
                    + "' (shown once; set PEEPHOLE_ADMIN_PASSWORD to choose it)\n");
        } else {
            LOG.info("Created the admin user with PEEPHOLE_ADMIN_PASSWORD");
        }
    }

    public List<UserEntity> list() {
        return users.listOrderByUsername();
    }

    public UserEntity create(Principal actor, String sourceIp, String username, String password, String role) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw new InvalidRequest("username must be 1-64 characters of letters, digits and . _ @ -");
        }
        validatePassword(password);
        Role r;
        try {
            r = Role.fromDb(role == null ? "" : role);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequest("role must be viewer or admin");
        }
        if (users.findByUsername(username).isPresent()) {
            throw new InvalidRequest("user " + username + " exists");
        }
        UserEntity saved = users.save(new UserEntity(null, username, hasher.hash(password), r.dbValue(), Instant.now(), false));
        audit.record(actor.username(), "user.create", username, Map.of("role", r.dbValue()), sourceIp);
        return saved;
    }

    public void changePassword(Principal actor, String sourceIp, String username, String password) {
        validatePassword(password);
        UserEntity u = users.findByUsername(username).orElseThrow(() -> new InvalidRequest("no user " + username));
        users.update(new UserEntity(u.id(), u.username(), hasher.hash(password), u.role(), u.createdAt(), u.disabled()));
        authenticator.forgetVerified();
        audit.record(actor.username(), "user.password", username, Map.of(), sourceIp);
    }

    /** A new API token for the actor; the token itself is returned once and only its hash kept. */
    public CreatedToken createToken(Principal actor, String sourceIp, String name) {
        if (name == null || name.isBlank() || name.length() > 100) {
            throw new InvalidRequest("a token needs a name of 1-100 characters");
        }
        String token = TOKEN_PREFIX + randomSecret(32);
        ApiTokenEntity saved = tokens.save(new ApiTokenEntity(null, actor.userId(), name,
                Authenticator.hashToken(token), Instant.now(), null, null));
        audit.record(actor.username(), "token.create", name, Map.of("id", Long.toString(saved.id())), sourceIp);
        return new CreatedToken(saved.id(), name, token);
    }

    public List<ApiTokenEntity> tokensOf(Principal actor) {
        return tokens.findByUserIdOrderByCreatedAt(actor.userId());
    }

    public void deleteToken(Principal actor, String sourceIp, long id) {
        ApiTokenEntity t = tokens.findById(id)
                .filter(tok -> tok.userId().equals(actor.userId()) || actor.isAdmin())
                .orElseThrow(() -> new InvalidRequest("no token " + id));
        tokens.delete(t);
        audit.record(actor.username(), "token.delete", t.name(), Map.of("id", Long.toString(id)), sourceIp);
    }

    public record CreatedToken(long id, String name, String token) {
    }

    private static void validatePassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH) {
            throw new InvalidRequest("a password needs at least " + MIN_PASSWORD_LENGTH + " characters");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > PasswordHasher.MAX_PASSWORD_BYTES) {
            throw new InvalidRequest("a password may have at most " + PasswordHasher.MAX_PASSWORD_BYTES + " bytes");
        }
    }

    private String randomSecret(int bytes) {
        byte[] b = new byte[bytes];
        random.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
