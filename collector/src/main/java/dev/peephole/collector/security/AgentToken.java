package dev.peephole.collector.security;

import dev.peephole.collector.db.CollectorState;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.db.SchemaMigrator;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The secret agents present. {@code PEEPHOLE_AGENT_TOKEN} when set; otherwise generated
 * once and shared through the database, where only its SHA-256 hash is kept; the
 * collector that generated it writes it to {@code DATA_DIR/agent-token} (mode 600).
 * Presented tokens are compared by hash in constant time.
 */
@Singleton
public class AgentToken {

    private static final Logger LOG = LoggerFactory.getLogger(AgentToken.class);
    static final String STATE_KEY = "agent_token_sha256";

    private final DataSource dataSource;
    private final SchemaMigrator schema;
    private final Path tokenFile;
    private volatile byte[] expectedHash;

    public AgentToken(@Nullable @Value("${peephole.agent.token:}") String configured,
                      @Value("${peephole.data.dir:./peephole-data}") String dataDir,
                      ConnectionPool pool, SchemaMigrator schema) {
        this.dataSource = pool.dataSource();
        this.schema = schema;
        this.tokenFile = Path.of(dataDir).resolve("agent-token");
        if (configured != null && !configured.isBlank()) {
            this.expectedHash = sha256(configured.trim());
        } else {
            // Generate (or adopt the shared one) as soon as the database is there, so the
            // token file exists before the first agent asks.
            schema.whenMigrated(this::loadOrGenerate);
        }
    }

    /** Whether the presented token is the agent token; empty while the token is not known yet. */
    public Optional<Boolean> verify(String presented) {
        byte[] expected = expected();
        if (expected == null) {
            return Optional.empty();
        }
        return Optional.of(presented != null && MessageDigest.isEqual(expected, sha256(presented)));
    }

    private byte[] expected() {
        byte[] e = expectedHash;
        if (e == null && schema.isMigrated()) {
            e = loadOrGenerate();
        }
        return e;
    }

    private synchronized byte[] loadOrGenerate() {
        if (expectedHash != null) {
            return expectedHash;
        }
        try (Connection c = dataSource.getConnection()) {
            String stored = readStoredHash(c);
            if (stored == null) {
                String token = Files.exists(tokenFile) ? Files.readString(tokenFile).trim() : generate();
                CollectorState.put(c, STATE_KEY, HexFormat.of().formatHex(sha256(token)), false);
                stored = readStoredHash(c);
                if (stored.equals(HexFormat.of().formatHex(sha256(token))) && !Files.exists(tokenFile)) {
                    writeTokenFile(token);
                    LOG.info("Generated the agent token; it is in {}", tokenFile.toAbsolutePath());
                }
            }
            expectedHash = HexFormat.of().parseHex(stored);
            return expectedHash;
        } catch (SQLException | IOException e) {
            LOG.warn("Agent token not available yet: {}", e.getMessage());
            return null;
        }
    }

    private static String readStoredHash(Connection c) throws SQLException {
        return CollectorState.get(c, STATE_KEY).orElse(null);
    }

    private void writeTokenFile(String token) throws IOException {
        Files.createDirectories(tokenFile.getParent());
        Path tmp = tokenFile.resolveSibling("agent-token.tmp");
        Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system
        }
        Files.move(tmp, tokenFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String generate() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
