package dev.peephole.collector.storage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The 1-minute and 1-hour rollups the collector maintains on plain PostgreSQL. */
class RollupMaintainerTest {

    private static EmbeddedServer server;

    @BeforeAll
    static void start() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "r");
        props.put("peephole.rollup.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void minutesAndHoursAreAggregatedAndLatePointsWithinTheRestateWindowAreTakenIn() throws Exception {
        resetWatermarks();
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
        long series;
        try (Connection c = connection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("INSERT INTO metric_series (metric_name, labels) VALUES ('rollup_test', '{}') RETURNING id");
            rs.next();
            series = rs.getLong(1);
            // minute 0: 1, 5, 3 at :00 :20 :40; minute 1: 10 at :10
            insert(c, series, hour, 1);
            insert(c, series, hour.plusSeconds(20), 5);
            insert(c, series, hour.plusSeconds(40), 3);
            insert(c, series, hour.plusSeconds(70), 10);
        }
        RollupMaintainer rollups = server.getApplicationContext().getBean(RollupMaintainer.class);
        Instant now = hour.plus(90, ChronoUnit.MINUTES);
        assertThat(rollups.runOnce(now)).isTrue();

        assertThat(row("metric_rollup_1m", series, hour))
                .isEqualTo("first=1.0@0 last=3.0@40 min=1.0 max=5.0 sum=9.0 count=3");
        assertThat(row("metric_rollup_1m", series, hour.plusSeconds(60)))
                .isEqualTo("first=10.0@70 last=10.0@70 min=10.0 max=10.0 sum=10.0 count=1");
        assertThat(row("metric_rollup_1h", series, hour))
                .isEqualTo("first=1.0@0 last=10.0@70 min=1.0 max=10.0 sum=19.0 count=4");
        assertThat(rollups.minuteRollupsCompleteThrough()).contains(now.truncatedTo(ChronoUnit.MINUTES));

        // A point one minute late, for a minute already rolled up: the next run takes it in.
        try (Connection c = connection()) {
            insert(c, series, now.minusSeconds(50), 7);
        }
        rollups.runOnce(now.plusSeconds(30));
        Instant lateMinute = now.minusSeconds(50).truncatedTo(ChronoUnit.MINUTES);
        assertThat(row("metric_rollup_1m", series, lateMinute)).endsWith("sum=7.0 count=1");
    }

    @Test
    void minutesHoldTheCounterResetCorrectionAndTheSamplesTheQueryPathReads() throws Exception {
        resetWatermarks();
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);
        long series;
        try (Connection c = connection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("INSERT INTO metric_series (metric_name, labels) VALUES ('reset_test_total', '{}') RETURNING id");
            rs.next();
            series = rs.getLong(1);
            // minute 0: 10, 4, 2, 8, 8 (the last one a retried row): resets after 10 and 4
            insert(c, series, hour, 10);
            insert(c, series, hour.plusSeconds(10), 4);
            insert(c, series, hour.plusSeconds(20), 2);
            insert(c, series, hour.plusSeconds(30), 8);
            insert(c, series, hour.plusSeconds(30), 8);
            // minute 1: 3 (a reset across the minute boundary: not the minute's own), 0.5 at :59.999
            insert(c, series, hour.plusSeconds(65), 3);
            insert(c, series, hour.plusMillis(119_999), 0.5);
            // minute 2: two different values at the same millisecond: no exact answer from the rollup
            insert(c, series, hour.plusSeconds(125), 5);
            insert(c, series, hour.plusSeconds(125).plusNanos(300_000), 6);
            // minute 3: a NaN; minute 4: a staleness marker
            insert(c, series, hour.plusSeconds(185), 1);
            insert(c, series, hour.plusSeconds(195), Double.NaN);
            insert(c, series, hour.plusSeconds(245), Double.longBitsToDouble(0x7ff0000000000002L));
            // minute 5: one sample
            insert(c, series, hour.plusSeconds(305), 7);
        }
        RollupMaintainer rollups = server.getApplicationContext().getBean(RollupMaintainer.class);
        assertThat(rollups.runOnce(hour.plus(60, ChronoUnit.MINUTES))).isTrue();
        assertThat(counterColumns(series, hour)).isEqualTo("reset_sum=14.0 sample_n=4 count=5");
        assertThat(counterColumns(series, hour.plusSeconds(60))).isEqualTo("reset_sum=3.0 sample_n=2 count=2");
        assertThat(counterColumns(series, hour.plusSeconds(120))).isEqualTo("reset_sum=null sample_n=null count=2");
        assertThat(counterColumns(series, hour.plusSeconds(180))).isEqualTo("reset_sum=null sample_n=null count=2");
        assertThat(counterColumns(series, hour.plusSeconds(240))).isEqualTo("reset_sum=null sample_n=null count=1");
        assertThat(counterColumns(series, hour.plusSeconds(300))).isEqualTo("reset_sum=0.0 sample_n=1 count=1");
        assertThat(counterColumns("metric_rollup_1h", series, hour)).isEqualTo("reset_sum=null sample_n=null count=13");

        // an hour from its minutes: resets inside minutes and between them
        long other;
        Instant next = hour.plus(1, ChronoUnit.HOURS);
        try (Connection c = connection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("INSERT INTO metric_series (metric_name, labels) VALUES ('reset_test_total', '{\"k\":\"2\"}') RETURNING id");
            rs.next();
            other = rs.getLong(1);
            insert(c, other, next.plusSeconds(5), 4);
            insert(c, other, next.plusSeconds(15), 6);
            insert(c, other, next.plusSeconds(25), 5.5); // inside the minute: + 6
            insert(c, other, next.plusSeconds(65), 2);   // between minutes: + 5.5
            insert(c, other, next.plusSeconds(75), 3);
            insert(c, other, next.plusSeconds(605), 1);  // between minutes nine apart: + 3
        }
        assertThat(rollups.runOnce(next.plus(70, ChronoUnit.MINUTES))).isTrue();
        assertThat(counterColumns(other, next)).isEqualTo("reset_sum=6.0 sample_n=3 count=3");
        assertThat(counterColumns("metric_rollup_1h", other, next)).isEqualTo("reset_sum=14.5 sample_n=6 count=6");
    }

    @Test
    void aRunWritesAgainOnlyTheMinutesAndHoursWhosePointsChanged() throws Exception {
        resetWatermarks();
        Instant hour = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(5, ChronoUnit.HOURS);
        Instant lastMinute = hour.plus(59, ChronoUnit.MINUTES);
        long a;
        long b;
        try (Connection c = connection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("INSERT INTO metric_series (metric_name, labels) VALUES "
                    + "('restate_test', '{\"s\":\"a\"}'), ('restate_test', '{\"s\":\"b\"}') RETURNING id");
            rs.next();
            a = rs.getLong(1);
            rs.next();
            b = rs.getLong(1);
            insert(c, a, hour, 1);
            insert(c, a, hour.plusSeconds(20), 2);
            insert(c, a, lastMinute.plusSeconds(10), 3);
            insert(c, b, hour, 5);
            insert(c, b, lastMinute.plusSeconds(20), 6);
        }
        RollupMaintainer rollups = server.getApplicationContext().getBean(RollupMaintainer.class);
        Instant first = hour.plus(61, ChronoUnit.MINUTES);
        assertThat(rollups.runOnce(first)).isTrue();
        assertThat(row("metric_rollup_1h", a, hour)).endsWith("sum=6.0 count=3");
        Map<String, String> before = versions(a, b, hour, lastMinute);

        // Nothing new: the next run looks at the same window and writes no row.
        rollups.runOnce(first.plusSeconds(10));
        assertThat(versions(a, b, hour, lastMinute)).isEqualTo(before);

        // A late point of series a in the last minute: that minute of a and a's hour are written
        // again; b's minute and hour and a's other minute, aggregated again too, are not written.
        try (Connection c = connection()) {
            insert(c, a, lastMinute.plusSeconds(40), 4);
        }
        rollups.runOnce(first.plusSeconds(30));
        assertThat(row("metric_rollup_1m", a, lastMinute)).endsWith("sum=7.0 count=2");
        assertThat(row("metric_rollup_1h", a, hour)).isEqualTo("first=1.0@0 last=4.0@3580 min=1.0 max=4.0 sum=10.0 count=4");
        Map<String, String> after = versions(a, b, hour, lastMinute);
        assertThat(after.get("1m a last")).isNotEqualTo(before.get("1m a last"));
        assertThat(after.get("1h a")).isNotEqualTo(before.get("1h a"));
        assertThat(after.get("1m a first")).isEqualTo(before.get("1m a first"));
        assertThat(after.get("1m b last")).isEqualTo(before.get("1m b last"));
        assertThat(after.get("1h b")).isEqualTo(before.get("1h b"));
    }

    @Test
    void everyDayOfPointsHasATimeIndexForTheRollupWindow() throws Exception {
        // Without it each run read the whole day's partition (the (series_id, t) index cannot serve a range on t).
        try (Connection c = connection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pg_indexes i "
                     + "WHERE i.tablename = p.relname AND i.indexdef LIKE '%USING brin (t)%')) "
                     + "FROM pg_inherits h JOIN pg_class p ON p.oid = h.inhrelid WHERE h.inhparent = 'metric_points'::regclass")) {
            rs.next();
            assertThat(rs.getInt(1)).isPositive();
            assertThat(rs.getInt(2)).isEqualTo(rs.getInt(1));
        }
    }

    /** The row versions (xmin: the transaction that last wrote the row) of the rollup rows the test watches. */
    private static Map<String, String> versions(long a, long b, Instant hour, Instant lastMinute) throws Exception {
        Map<String, String> out = new HashMap<>();
        out.put("1m a first", version("metric_rollup_1m", a, hour));
        out.put("1m a last", version("metric_rollup_1m", a, lastMinute));
        out.put("1m b last", version("metric_rollup_1m", b, lastMinute));
        out.put("1h a", version("metric_rollup_1h", a, hour));
        out.put("1h b", version("metric_rollup_1h", b, hour));
        assertThat(out).doesNotContainValue(null);
        return out;
    }

    private static String version(String table, long series, Instant bucket) throws Exception {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT xmin::text FROM " + table + " WHERE series_id = ? AND bucket = ?")) {
            ps.setLong(1, series);
            ps.setTimestamp(2, Timestamp.from(bucket));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static String counterColumns(long series, Instant bucket) throws Exception {
        return counterColumns("metric_rollup_1m", series, bucket);
    }

    private static String counterColumns(String table, long series, Instant bucket) throws Exception {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT reset_sum, sample_n, count_v FROM " + table + " WHERE series_id = ? AND bucket = ?")) {
            ps.setLong(1, series);
            ps.setTimestamp(2, Timestamp.from(bucket));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "no row";
                }
                return "reset_sum=" + rs.getObject(1) + " sample_n=" + rs.getObject(2) + " count=" + rs.getLong(3);
            }
        }
    }

    /** Each test starts as a first run (the tests run their own clocks on one database). */
    private static void resetWatermarks() throws Exception {
        try (Connection c = connection(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM collector_state WHERE key LIKE 'rollup_%'");
        }
    }

    private static Connection connection() throws Exception {
        return server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
    }

    private static void insert(Connection c, long series, Instant t, double v) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO metric_points (series_id, t, v) VALUES (?, ?, ?)")) {
            ps.setLong(1, series);
            ps.setTimestamp(2, Timestamp.from(t));
            ps.setDouble(3, v);
            ps.executeUpdate();
        }
    }

    private static String row(String table, long series, Instant bucket) throws Exception {
        try (Connection c = connection(); PreparedStatement ps = c.prepareStatement(
                "SELECT first_v, extract(epoch FROM first_t - ?)::int, last_v, extract(epoch FROM last_t - ?)::int, "
                        + "min_v, max_v, sum_v, count_v FROM " + table + " WHERE series_id = ? AND bucket = ?")) {
            Timestamp hourStart = Timestamp.from(bucket.truncatedTo(ChronoUnit.HOURS));
            ps.setTimestamp(1, hourStart);
            ps.setTimestamp(2, hourStart);
            ps.setLong(3, series);
            ps.setTimestamp(4, Timestamp.from(bucket));
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return "no row";
                }
                return "first=" + rs.getDouble(1) + "@" + rs.getInt(2) + " last=" + rs.getDouble(3) + "@" + rs.getInt(4)
                        + " min=" + rs.getDouble(5) + " max=" + rs.getDouble(6) + " sum=" + rs.getDouble(7)
                        + " count=" + rs.getLong(8);
            }
        }
    }
}
