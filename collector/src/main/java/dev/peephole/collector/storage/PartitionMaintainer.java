package dev.peephole.collector.storage;

import dev.peephole.collector.util.DaemonThreads;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.db.StorageFlavour;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time partitions on plain PostgreSQL: one partition a day (UTC) for each high-volume
 * table, created two days ahead and one day behind (ingest refuses anything further
 * from now), and dropped once wholly older than the retention of their kind. Also prunes
 * the idempotency records of old batches. On TimescaleDB, chunks and retention policies
 * do this job: this keeps one retention policy per hypertable at the configured retention.
 */
@Context
public class PartitionMaintainer {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionMaintainer.class);
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");
    /** An agent re-sends a batch within minutes; a day of batch records is plenty. */
    private static final Duration BATCH_RECORDS_KEPT = Duration.ofDays(1);
    /** Serialises maintenance between collectors sharing one database. */
    private static final long ADVISORY_LOCK_KEY = 0x7065657068L;

    private final DataSource dataSource;
    private final SchemaMigrator schema;
    private final Retention retention;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-partitions");
    private volatile LocalDate coveredThrough;
    private volatile String lastError = "not run yet";

    public PartitionMaintainer(ConnectionPool pool, SchemaMigrator schema, Retention retention) {
        this.dataSource = pool.dataSource();
        this.schema = schema;
        this.retention = retention;
    }

    @PostConstruct
    void start() {
        tick();
    }

    /** Runs now, then again in 10 minutes, or in 5 s while not ready. */
    private void tick() {
        runOnce();
        if (!scheduler.isShutdown()) {
            scheduler.schedule(this::tick, isReady() ? 600 : 5, TimeUnit.SECONDS);
        }
    }

    /** Creates and drops what is due; safe to call at any time. */
    public synchronized void runOnce() {
        if (!schema.isMigrated()) {
            lastError = "schema not migrated";
            return;
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(" + ADVISORY_LOCK_KEY + ")");
                // Creating or dropping a partition waits for readers of the parent, such as a
                // backup's long snapshot, and ingest would queue behind that wait: give up after
                // a moment instead (partitions exist two days ahead; the next run tries again).
                s.execute("SET LOCAL lock_timeout = '2s'");
                // read each run: an admin's live change applies on the next run of any collector
                Map<Retention.Kind, Retention.Value> keep = retention.effective(c);
                Duration points = keep.get(Retention.Kind.POINTS).keep();
                Duration spans = keep.get(Retention.Kind.SPANS).keep();
                Duration rollups = keep.get(Retention.Kind.ROLLUPS).keep();
                if (schema.flavour().orElseThrow() == StorageFlavour.POSTGRES) {
                    for (int d = -1; d <= 2; d++) {
                        createDay(s, "metric_points", today.plusDays(d));
                        createDay(s, "spans", today.plusDays(d));
                        createDay(s, "metric_rollup_1m", today.plusDays(d));
                    }
                    dropOlderThan(c, "metric_points", today, points);
                    dropOlderThan(c, "spans", today, spans);
                    dropOlderThan(c, "metric_rollup_1m", today, rollups);
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM metric_rollup_1h WHERE bucket < now() - make_interval(secs => ?)")) {
                        ps.setLong(1, rollups.toSeconds());
                        ps.executeUpdate();
                    }
                } else {
                    ensureRetentionPolicy(c, "metric_points", points);
                    ensureRetentionPolicy(c, "spans", spans);
                    // the continuous aggregates keep their own materialized chunks: same policy on them
                    ensureRetentionPolicy(c, "metric_rollup_1m", rollups);
                    ensureRetentionPolicy(c, "metric_rollup_1h", rollups);
                    // A refresh over a range whose source rows were dropped deletes the buckets it
                    // had materialized there: each aggregate refreshes only what its source keeps.
                    ensureRefreshWindow(c, "metric_rollup_1m", min(Duration.ofDays(1), points),
                            Duration.ofMinutes(1), Duration.ofMinutes(1));
                    ensureRefreshWindow(c, "metric_rollup_1h", min(Duration.ofDays(3), rollups),
                            Duration.ofHours(1), Duration.ofMinutes(10));
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM span_operations WHERE last_seen < now() - make_interval(secs => ?)")) {
                    ps.setLong(1, spans.toSeconds());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "DELETE FROM ingest_batches WHERE committed_at < now() - make_interval(secs => ?)")) {
                    ps.setLong(1, BATCH_RECORDS_KEPT.toSeconds());
                    ps.executeUpdate();
                }
            }
            c.commit();
            coveredThrough = today.plusDays(2);
            lastError = null;
        } catch (SQLException | RuntimeException e) {
            if (lastError == null || !lastError.equals(e.getMessage())) {
                LOG.warn("Partition maintenance failed: {}", e.getMessage());
            }
            lastError = e.getMessage();
        }
    }

    private static void createDay(Statement s, String table, LocalDate day) throws SQLException {
        s.execute("CREATE TABLE IF NOT EXISTS " + table + "_p" + day.format(SUFFIX)
                + " PARTITION OF " + table + " FOR VALUES FROM ('" + day + " 00:00:00+00') TO ('"
                + day.plusDays(1) + " 00:00:00+00')");
    }

    /**
     * The first day of the oldest day partition of {@code table} (plain PostgreSQL): the points
     * from it on are all still stored, as partitions are only dropped whole. Empty without any.
     */
    public static Optional<LocalDate> oldestDay(Connection c, String table) throws SQLException {
        return dayPartitions(c, table).values().stream().min(LocalDate::compareTo);
    }

    /** The day partitions of {@code table} ({@code <table>_pYYYYMMDD}) by name, with their day. */
    private static Map<String, LocalDate> dayPartitions(Connection c, String table) throws SQLException {
        Map<String, LocalDate> days = new java.util.LinkedHashMap<>();
        String prefix = table + "_p";
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT child.relname FROM pg_inherits i JOIN pg_class parent ON parent.oid = i.inhparent "
                        + "JOIN pg_class child ON child.oid = i.inhrelid WHERE parent.relname = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String name = rs.getString(1);
                    if (!name.startsWith(prefix) || name.length() != prefix.length() + 8) {
                        continue;
                    }
                    try {
                        days.put(name, LocalDate.parse(name.substring(prefix.length()), SUFFIX));
                    } catch (java.time.format.DateTimeParseException e) {
                        // not one of the day partitions
                    }
                }
            }
        }
        return days;
    }

    /** Drops the day partitions of {@code table} whose whole day is past the retention. */
    private static void dropOlderThan(Connection c, String table, LocalDate today, Duration keep) throws SQLException {
        LocalDate oldestKept = today.minusDays(Math.max(1, keep.toDays()));
        List<String> doomed = new ArrayList<>();
        dayPartitions(c, table).forEach((name, day) -> {
            if (day.isBefore(oldestKept)) {
                doomed.add(name);
            }
        });
        try (Statement s = c.createStatement()) {
            for (String name : doomed) {
                s.execute("DROP TABLE " + name);
                LOG.info("Dropped partition {} (retention {})", name, keep);
            }
        }
    }

    /**
     * TimescaleDB drops the chunks of {@code hypertable} past {@code keep} itself, in a
     * retention policy job; this makes sure there is exactly one such policy, with this
     * interval (a policy with another interval, from an earlier setting, is replaced).
     * {@code hypertable} may also be a continuous aggregate (its jobs carry the view's name).
     */
    private static void ensureRetentionPolicy(Connection c, String hypertable, Duration keep) throws SQLException {
        String wanted = interval(keep);
        Optional<Boolean> same = policyHas(c, "policy_retention", hypertable, "drop_after", wanted);
        if (same.orElse(false)) {
            return;
        }
        if (same.isPresent()) {
            call(c, "SELECT remove_retention_policy(?::regclass, if_exists => true)", hypertable);
        }
        call(c, "SELECT add_retention_policy(?::regclass, drop_after => ?::interval)", hypertable, wanted);
        LOG.info("Retention policy of {}: chunks dropped after {}{}", hypertable, wanted, same.isPresent() ? " (replaced)" : "");
    }

    /**
     * Makes the refresh policy of the continuous aggregate {@code view} start {@code start}
     * back (its end and schedule as the migration set them), replacing a policy that differs.
     * The window never shrinks below three buckets, which TimescaleDB requires.
     */
    private static void ensureRefreshWindow(Connection c, String view, Duration start, Duration end, Duration every)
            throws SQLException {
        Duration bucket = view.endsWith("_1h") ? Duration.ofHours(1) : Duration.ofMinutes(1);
        String wanted = interval(max(start, end.plus(bucket.multipliedBy(2))));
        Optional<Boolean> same = policyHas(c, "policy_refresh_continuous_aggregate", view, "start_offset", wanted);
        if (same.orElse(false)) {
            return;
        }
        if (same.isPresent()) {
            call(c, "SELECT remove_continuous_aggregate_policy(?::regclass, if_exists => true)", view);
        }
        call(c, "SELECT add_continuous_aggregate_policy(?::regclass, start_offset => ?::interval, "
                + "end_offset => ?::interval, schedule_interval => ?::interval)", view, wanted, interval(end), interval(every));
        LOG.info("Refresh policy of {}: the last {} refreshed", view, wanted);
    }

    /**
     * Whether the one {@code proc} job of {@code relation} has {@code key} = {@code wanted} in its
     * configuration (both intervals); empty when there is no such job, false when there are several.
     */
    private static Optional<Boolean> policyHas(Connection c, String proc, String relation, String key, String wanted)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT (config->>?)::interval = ?::interval FROM timescaledb_information.jobs "
                        + "WHERE proc_name = ? AND hypertable_schema = current_schema() AND hypertable_name = ?")) {
            ps.setString(1, key);
            ps.setString(2, wanted);
            ps.setString(3, proc);
            ps.setString(4, relation);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(rs.getBoolean(1) && !rs.next());
            }
        }
    }

    private static void call(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            ps.execute();
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    /** A PostgreSQL interval literal for a duration, in its largest whole unit up to days. */
    static String interval(Duration d) {
        long seconds = d.toSeconds();
        if (d.getNano() != 0) {
            return d.toMillis() + " milliseconds";
        }
        if (seconds % 86_400 == 0) {
            return seconds / 86_400 + " days";
        }
        if (seconds % 3_600 == 0) {
            return seconds / 3_600 + " hours";
        }
        return seconds % 60 == 0 ? seconds / 60 + " minutes" : seconds + " seconds";
    }

    /** True once partitions exist for every timestamp ingest accepts. */
    public boolean isReady() {
        LocalDate covered = coveredThrough;
        return covered != null && !covered.isBefore(LocalDate.now(ZoneOffset.UTC).plusDays(1));
    }

    public String reason() {
        return lastError == null ? "ok" : lastError;
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }
}
