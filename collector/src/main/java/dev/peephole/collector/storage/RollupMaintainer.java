package dev.peephole.collector.storage;

import dev.peephole.collector.util.DaemonThreads;
import dev.peephole.collector.db.CollectorState;
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
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the 1-minute and 1-hour rollups of plain PostgreSQL up to date (TimescaleDB's
 * continuous aggregates do this there). Every 30 s it aggregates the minutes completed
 * since its watermark, going back {@link #RESTATE} to take in points that arrived a
 * little late; hours likewise from the minutes. The watermarks live in the database, so
 * any collector can continue; an advisory lock keeps two from doing the same work.
 * Points later than {@link #RESTATE} are in the raw data but not in the rollups.
 *
 * <p>Going back, each point is aggregated about five times (a 2.5-minute window every 30 s),
 * but a (series, minute) row is written again only when its point count changed
 * ({@link #upsert}): most of each run's rows are unchanged, and writing them again cost about a
 * sixth of the run's time and half of its WAL records.
 */
@Context
public class RollupMaintainer {

    private static final Logger LOG = LoggerFactory.getLogger(RollupMaintainer.class);
    public static final Duration RESTATE = Duration.ofMinutes(2);
    private static final long ADVISORY_LOCK_KEY = 0x726f6c6c7570L;
    static final String MINUTE_WATERMARK = "rollup_1m_complete_through";
    static final String HOUR_WATERMARK = "rollup_1h_complete_through";
    /**
     * From where (a minute) every minute up to the minute watermark was aggregated with the counter
     * columns of V17_1 ({@code reset_sum}, {@code sample_n}) without a gap, and so every whole hour
     * from there up to the hour watermark: set on the first run of this version and whenever a run
     * cannot continue where the last one stopped (a collector down longer than {@link #FIRST_RUN_REACH}).
     */
    static final String COUNTER_FROM = "rollup_1m_counters_from";
    /** The first run aggregates at most this far back. */
    private static final Duration FIRST_RUN_REACH = Duration.ofDays(1);

    private final DataSource dataSource;
    private final SchemaMigrator schema;
    private final PartitionMaintainer partitions;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-rollups");

    private final Duration interval;

    public RollupMaintainer(ConnectionPool pool, SchemaMigrator schema, PartitionMaintainer partitions,
                            @io.micronaut.context.annotation.Value("${peephole.rollup.interval:30s}") Duration interval) {
        this.dataSource = pool.dataSource();
        this.schema = schema;
        this.partitions = partitions;
        this.interval = interval;
    }

    @PostConstruct
    void start() {
        // 0 switches the schedule off (tests drive runOnce themselves).
        if (!interval.isZero()) {
            scheduler.scheduleWithFixedDelay(this::runQuietly, 5_000, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void runQuietly() {
        try {
            runOnce(Instant.now());
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Rollup maintenance failed: {}", e.getMessage());
        }
    }

    /** Aggregates what is due at {@code now}; returns false when there was nothing to do here. */
    public synchronized boolean runOnce(Instant now) throws SQLException {
        if (!schema.isMigrated() || schema.flavour().orElseThrow() != StorageFlavour.POSTGRES || !partitions.isReady()) {
            return false;
        }
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT pg_try_advisory_xact_lock(" + ADVISORY_LOCK_KEY + ")")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    c.rollback();
                    return false;
                }
            }
            Instant minuteEnd = now.truncatedTo(ChronoUnit.MINUTES);
            // Never further back than a day: older days have no rollup partition to write into
            // (a collector down longer than that leaves those days without rollups).
            Instant reach = minuteEnd.minus(FIRST_RUN_REACH);
            Optional<Instant> previous = watermark(c, MINUTE_WATERMARK);
            Instant minuteFrom = previous.map(w -> w.minus(RESTATE)).filter(w -> w.isAfter(reach)).orElse(reach);
            if (minuteFrom.isBefore(minuteEnd)) {
                aggregateMinutes(c, minuteFrom, minuteEnd);
                setWatermark(c, MINUTE_WATERMARK, minuteEnd);
                boolean continues = previous.isPresent() && previous.get().minus(RESTATE).isAfter(reach);
                if (!continues || watermark(c, COUNTER_FROM).isEmpty()) {
                    setWatermark(c, COUNTER_FROM, minuteFrom);
                }
            }
            Instant hourEnd = now.truncatedTo(ChronoUnit.HOURS);
            Instant hourFrom = watermark(c, HOUR_WATERMARK).map(w -> w.minus(Duration.ofHours(1)))
                    .orElse(hourEnd.minus(FIRST_RUN_REACH));
            if (hourFrom.isBefore(hourEnd)) {
                aggregateHours(c, hourFrom, hourEnd);
                setWatermark(c, HOUR_WATERMARK, hourEnd);
            }
            c.commit();
            return true;
        }
    }

    /**
     * The minutes' first and last sample, min, max, sum and count, and what a counter's rate needs
     * besides (V17_1): {@code reset_sum}, the sum of the previous value over consecutive samples
     * where the value falls (Prometheus' counter-reset correction, added in time order), and
     * {@code sample_n}, the samples the query path reads (it keeps one of the rows at the same
     * millisecond). Both NULL where a minute cannot stand for its samples exactly: a NaN
     * (PostgreSQL orders NaN above every number, Java's comparisons are false) or two different
     * values at the same millisecond.
     */
    private static void aggregateMinutes(Connection c, Instant from, Instant to) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_rollup_1m (series_id, bucket, first_t, first_v, last_t, last_v, min_v, max_v, sum_v, count_v, "
                        + "reset_sum, sample_n) "
                        + "SELECT series_id, bucket, min(t), (array_agg(v ORDER BY t))[1], max(t), (array_agg(v ORDER BY t DESC))[1], "
                        + "min(v), max(v), sum(v), count(*), "
                        + "CASE WHEN coalesce(bool_or(v = 'NaN' OR (ms = pms AND v <> pv)), false) THEN NULL "
                        + "ELSE coalesce(sum(CASE WHEN v < pv THEN pv END ORDER BY t), 0) END, "
                        + "CASE WHEN coalesce(bool_or(v = 'NaN' OR (ms = pms AND v <> pv)), false) THEN NULL "
                        + "ELSE count(*) FILTER (WHERE pms IS NULL OR ms <> pms) END "
                        + "FROM (SELECT series_id, bucket, t, v, ms, lag(v) OVER w AS pv, lag(ms) OVER w AS pms FROM ("
                        + "SELECT series_id, date_bin('1 minute', t, timestamptz 'epoch') AS bucket, t, v, "
                        + "(date_part('epoch', t) * 1000)::bigint AS ms FROM metric_points WHERE t >= ? AND t < ?) p "
                        + "WINDOW w AS (PARTITION BY series_id, bucket ORDER BY t)) x "
                        + "GROUP BY 1, 2 " + upsert("metric_rollup_1m"))) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
    }

    /**
     * The hours from their minutes; the counter columns too: {@code reset_sum} adds to the minutes'
     * own corrections the resets between consecutive minutes of the hour (the next minute's first
     * value below the previous one's last), {@code sample_n} is the minutes' sum. NULL where a
     * minute has them NULL, or where a minute's last and the next one's first sample fall on the
     * same millisecond (the query path reads one of the two).
     */
    private static void aggregateHours(Connection c, Instant from, Instant to) throws SQLException {
        String broken = "coalesce(bool_or(reset_sum IS NULL OR sample_n IS NULL OR fms = plms), false)";
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO metric_rollup_1h (series_id, bucket, first_t, first_v, last_t, last_v, min_v, max_v, sum_v, count_v, "
                        + "reset_sum, sample_n) "
                        + "SELECT series_id, hour, min(first_t), "
                        + "(array_agg(first_v ORDER BY first_t))[1], max(last_t), (array_agg(last_v ORDER BY last_t DESC))[1], "
                        + "min(min_v), max(max_v), sum(sum_v), sum(count_v), "
                        + "CASE WHEN " + broken + " THEN NULL "
                        + "ELSE sum(CASE WHEN first_v < plv THEN plv ELSE 0 END + reset_sum ORDER BY bucket) END, "
                        + "CASE WHEN " + broken + " THEN NULL ELSE sum(sample_n) END "
                        + "FROM (SELECT m.*, lag(last_v) OVER w AS plv, lag((date_part('epoch', last_t) * 1000)::bigint) OVER w AS plms, "
                        + "(date_part('epoch', first_t) * 1000)::bigint AS fms FROM ("
                        + "SELECT *, date_bin('1 hour', bucket, timestamptz 'epoch') AS hour FROM metric_rollup_1m "
                        + "WHERE bucket >= ? AND bucket < ?) m WINDOW w AS (PARTITION BY series_id, hour ORDER BY bucket)) x "
                        + "GROUP BY 1, 2 " + upsert("metric_rollup_1h"))) {
            ps.setTimestamp(1, Timestamp.from(from));
            ps.setTimestamp(2, Timestamp.from(to));
            ps.executeUpdate();
        }
    }

    /**
     * Writes a row only where it is new or its samples changed: late points only ever add rows (none
     * are deleted inside the window), so an unchanged count means an unchanged row. Rows whose
     * counter columns are NULL (a NaN, two values at one millisecond, or written before V17_1) are
     * written again each time, as before.
     */
    private static String upsert(String table) {
        return "ON CONFLICT (series_id, bucket) DO UPDATE SET first_t = excluded.first_t, first_v = excluded.first_v, "
                + "last_t = excluded.last_t, last_v = excluded.last_v, min_v = excluded.min_v, max_v = excluded.max_v, "
                + "sum_v = excluded.sum_v, count_v = excluded.count_v, reset_sum = excluded.reset_sum, sample_n = excluded.sample_n "
                + "WHERE " + table + ".count_v IS DISTINCT FROM excluded.count_v OR " + table + ".sample_n IS NULL";
    }

    /** Where the rollups of plain PostgreSQL are complete up to (exclusive); empty before the first run. */
    public Optional<Instant> minuteRollupsCompleteThrough() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return watermark(c, MINUTE_WATERMARK);
        }
    }

    /**
     * The minutes whose counter columns ({@code reset_sum}, {@code sample_n}) were computed from
     * every raw point of the minute: [from, minute watermark). Empty before the first run.
     */
    public Optional<Instant> minuteCountersFrom() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return watermark(c, COUNTER_FROM);
        }
    }

    public Optional<Instant> hourRollupsCompleteThrough() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            return watermark(c, HOUR_WATERMARK);
        }
    }

    private static Optional<Instant> watermark(Connection c, String key) throws SQLException {
        return CollectorState.get(c, key).map(Instant::parse);
    }

    private static void setWatermark(Connection c, String key, Instant value) throws SQLException {
        CollectorState.put(c, key, value.toString(), true);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }
}
