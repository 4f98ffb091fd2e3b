package dev.peephole.collector.db;

import dev.peephole.collector.util.DaemonThreads;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the schema up to date with Flyway at start. When the database cannot be
 * reached the collector still starts (and {@code /ready} says why it is not ready);
 * the migration is retried every few seconds until it succeeds.
 */
@Context
public class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final long RETRY_SECONDS = 5;

    private final DataSource dataSource;
    private final ScheduledExecutorService retry = DaemonThreads.scheduler("peephole-schema-migrator");
    private volatile StorageFlavour flavour;
    private volatile String schemaVersion;
    private volatile String lastError = "not attempted yet";
    private final java.util.List<Runnable> onMigrated = new java.util.concurrent.CopyOnWriteArrayList<>();

    public SchemaMigrator(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    @PostConstruct
    void start() {
        if (!tryMigrate()) {
            retry.scheduleWithFixedDelay(() -> {
                if (tryMigrate()) {
                    retry.shutdown();
                }
            }, RETRY_SECONDS, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    private synchronized boolean tryMigrate() {
        if (schemaVersion != null) {
            return true;
        }
        // All on one pooled connection: Flyway opens a second connection for the migrations,
        // which a pool of one (PEEPHOLE_DB_POOL_SIZE=1) never gives it, so the schema was never
        // migrated. Its advisory lock is then taken for the session, not per transaction
        // (the migrations' own commits on this connection would release that one early).
        try (Connection c = dataSource.getConnection()) {
            StorageFlavour detected = detectFlavour(c);
            Flyway flyway = flyway(c, detected, null);
            flyway.migrate();
            String version = Optional.ofNullable(flyway.info().current())
                    .map(m -> m.getVersion().getVersion())
                    .orElse("none");
            this.flavour = detected;
            this.schemaVersion = version;
            this.lastError = null;
            LOG.info("Schema at version {} on {}", version, detected);
            for (Runnable r : onMigrated) {
                runQuietly(r);
            }
            return true;
        } catch (RuntimeException | SQLException e) {
            String message = rootMessage(e);
            if (!message.equals(lastError)) {
                LOG.warn("Schema migration failed, retrying every {} s: {}", RETRY_SECONDS, message);
            }
            lastError = message;
            return false;
        }
    }

    /**
     * Flyway on this one connection for the flavour's migrations, up to {@code target}
     * (null: the newest). Restore uses it to bring an empty database to a backup's version.
     */
    public static Flyway flyway(Connection c, StorageFlavour flavour, String target) {
        var config = Flyway.configure()
                .dataSource(new SingleConnectionDataSource(c))
                .locations("classpath:db/migration/common", flavour.migrationLocation())
                .configuration(Map.of("flyway.postgresql.transactional.lock", "false"));
        if (target != null) {
            config = config.target(target);
        }
        return config.load();
    }

    /** Which flavour this database is for: TimescaleDB when it offers the extension. */
    public static StorageFlavour detectFlavour(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(
                     "SELECT count(*) FROM pg_available_extensions WHERE name = 'timescaledb'")) {
            rs.next();
            return rs.getLong(1) > 0 ? StorageFlavour.TIMESCALEDB : StorageFlavour.POSTGRES;
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /**
     * Runs {@code action} once the schema is in place: now if it already is, else right
     * after the migration succeeds (on the migrator's thread).
     */
    public synchronized void whenMigrated(Runnable action) {
        if (schemaVersion != null) {
            runQuietly(action);
        } else {
            onMigrated.add(action);
        }
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("Start-up task after migration failed: {}", e.toString());
        }
    }

    /** True once every migration has been applied. */
    public boolean isMigrated() {
        return schemaVersion != null;
    }

    public Optional<String> schemaVersion() {
        return Optional.ofNullable(schemaVersion);
    }

    public Optional<StorageFlavour> flavour() {
        return Optional.ofNullable(flavour);
    }

    /** Why the schema is not in place, if it is not. */
    public Optional<String> lastError() {
        return Optional.ofNullable(lastError);
    }

    @PreDestroy
    void stop() {
        retry.shutdownNow();
    }
}
