package dev.peephole.collector.db;

import io.micronaut.context.annotation.Value;
import io.micronaut.context.event.StartupEvent;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.runtime.event.annotation.EventListener;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the collector's database is: the external one named by {@code PEEPHOLE_DB_URL},
 * or a real PostgreSQL started here under {@code PEEPHOLE_DATA_DIR/postgres}, reused on
 * the next start and stopped when the collector stops.
 */
@Singleton
public class DatabaseLocation {

    private static final Logger LOG = LoggerFactory.getLogger(DatabaseLocation.class);

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final EmbeddedPostgres embedded;
    /**
     * Stops the embedded PostgreSQL when the JVM exits before the application finished starting
     * (a bean failing at start-up exits without closing the context, which would leave the
     * server running). Once started, the context's own shutdown closes it, after ingest drained.
     */
    private final Thread stopIfStartupFails;
    private volatile boolean applicationStarted;
    private boolean closed;

    public DatabaseLocation(@Nullable @Value("${peephole.db.url:}") String url,
                            @Nullable @Value("${peephole.db.user:}") String user,
                            @Nullable @Value("${peephole.db.password:}") String password,
                            @Value("${peephole.data.dir:./peephole-data}") String dataDir) {
        if (url != null && !url.isBlank()) {
            this.jdbcUrl = url;
            this.user = user;
            this.password = password;
            this.embedded = null;
            this.stopIfStartupFails = null;
            LOG.info("Using the external database {}", dev.peephole.collector.config.Redaction.url(url));
        } else {
            this.embedded = startEmbedded(Path.of(dataDir));
            this.jdbcUrl = embedded.getJdbcUrl("postgres", "postgres");
            this.user = "postgres";
            this.password = null;
            this.stopIfStartupFails = new Thread(() -> {
                if (!applicationStarted) {
                    close();
                }
            }, "peephole-embedded-postgres-stop");
            Runtime.getRuntime().addShutdownHook(stopIfStartupFails);
        }
    }

    @EventListener
    void onStartup(StartupEvent started) {
        applicationStarted = true;
    }

    /** Starts (creating when new) the embedded PostgreSQL of {@code dataDir}, as the collector runs it. */
    public static EmbeddedPostgres startEmbedded(Path dataDir) {
        try {
            Path pgData = dataDir.resolve("postgres").toAbsolutePath();
            Path runtime = dataDir.resolve("pg-runtime").toAbsolutePath();
            Files.createDirectories(pgData);
            Files.createDirectories(runtime);
            long started = System.nanoTime();
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setDataDirectory(pgData)
                    .setCleanDataDirectory(false)
                    // Stopped by close() after ingest has drained, not by a JVM hook racing it.
                    .setRegisterShutdownHook(false)
                    .setOverrideWorkingDirectory(runtime.toFile())
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("shared_buffers", "256MB")
                    .setServerConfig("synchronous_commit", "on")
                    .start();
            LOG.info("Embedded PostgreSQL started on port {} with data in {} ({} ms)",
                    pg.getPort(), pgData, (System.nanoTime() - started) / 1_000_000);
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start the embedded PostgreSQL under " + dataDir, e);
        }
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    @Nullable
    public String user() {
        return user;
    }

    @Nullable
    public String password() {
        return password;
    }

    public boolean isEmbedded() {
        return embedded != null;
    }

    @PreDestroy
    public synchronized void close() {
        if (embedded == null || closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != stopIfStartupFails) {
            try {
                Runtime.getRuntime().removeShutdownHook(stopIfStartupFails);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook finds the server closed and returns
            }
        }
        long started = System.nanoTime();
        try {
            embedded.close();
            LOG.info("Embedded PostgreSQL stopped ({} ms)", (System.nanoTime() - started) / 1_000_000);
        } catch (IOException e) {
            LOG.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }
}
