package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.Series;
import dev.peephole.collector.storage.RollupMaintainer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Range reads served partly from {@link RollupBlockCache} return exactly what the rollup tables
 * hold, read cold (blocks fetched and kept) and warm (blocks from memory), for ranges that start
 * and end anywhere (inside a block, on a bucket boundary, on a sample rounded onto the next
 * minute), series with hours without samples, one that starts late, and both rollup tables; and a
 * bucket the rollup maintainer may still rewrite is never taken from memory.
 */
class RollupBlockCacheTest {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;
    private static final long SPAN_MS = 23 * HOUR;

    private static EmbeddedServer server;
    private static long end;
    private static long watermark;

    @BeforeAll
    static void seed() throws Exception {
        server = QuietCollector.start("cache-admin-1");
        long now = System.currentTimeMillis();
        watermark = now / MINUTE * MINUTE;
        end = watermark - MINUTE;
        Random rnd = new Random(11);
        List<LocalSample> samples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            for (long t = end - SPAN_MS; t <= end; t += 20_000) {
                if (i == 2 && (t / HOUR) % 3 == 0) {
                    continue; // every third hour without a sample
                }
                if (i == 4 && t < end - 5 * HOUR) {
                    continue; // a series that starts late
                }
                samples.add(new LocalSample("rbc_values", Map.of("shard", "s" + i), t + rnd.nextInt(999), rnd.nextGaussian() * 100));
            }
        }
        server.getApplicationContext().getBean(LocalSeriesWriter.class).write(samples, "gauge", "test");
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            // a minute's last sample 0.4 ms before the next minute: read as that next minute's first millisecond
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT id, to_timestamp(" + roundingMinute() / 1000
                    + ") - interval '400 microseconds', 42.5 FROM metric_series WHERE metric_name = 'rbc_values' "
                    + "AND labels->>'shard' = 's0'");
        }
        server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.ofEpochMilli(now));
    }

    /** The minute boundary a sample rounds onto (well inside the settled part, not on an hour). */
    private static long roundingMinute() {
        return (end - 7 * HOUR) / HOUR * HOUR + 37 * MINUTE;
    }

    private static javax.sql.DataSource dataSource() {
        return server.getApplicationContext().getBean(ConnectionPool.class).dataSource();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<Series> select(SelectHints hints) {
        return server.getApplicationContext().getBean(StoredSeriesSource.class)
                .select(List.of(LabelMatcher.eq(Labels.METRIC_NAME, "rbc_values")), hints);
    }

    private static double hits() {
        return server.getApplicationContext().getBean(MeterRegistry.class).get("peephole.query.rollup.cache.hits")
                .functionCounter().count();
    }

    /** What the table holds for a series: buckets in [from, until), last samples in [from, to], as the read rounds them. */
    private static Map<String, Series> expected(String table, long from, long until, long to) throws Exception {
        Map<String, List<long[]>> rows = new HashMap<>();
        Map<String, List<Double>> values = new HashMap<>();
        try (Connection c = dataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT s.labels->>'shard', (date_part('epoch', r.last_t) * 1000)::bigint, r.last_v FROM " + table
                        + " r JOIN metric_series s ON s.id = r.series_id WHERE s.metric_name = 'rbc_values' "
                        + "AND r.bucket >= ? AND r.bucket < ? ORDER BY s.id, r.bucket")) {
            ps.setTimestamp(1, new Timestamp(from));
            ps.setTimestamp(2, new Timestamp(until));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long t = rs.getLong(2);
                    if (t < from || t > to) {
                        continue;
                    }
                    List<long[]> ts = rows.computeIfAbsent(rs.getString(1), k -> new ArrayList<>());
                    if (ts.isEmpty() || t > ts.get(ts.size() - 1)[0]) {
                        ts.add(new long[] {t});
                        values.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getDouble(3));
                    }
                }
            }
        }
        Map<String, Series> out = new HashMap<>();
        for (String shard : rows.keySet()) {
            out.put(shard, new Series(Labels.of(Labels.METRIC_NAME, "rbc_values", "shard", shard),
                    rows.get(shard).stream().mapToLong(a -> a[0]).toArray(),
                    values.get(shard).stream().mapToDouble(Double::doubleValue).toArray()));
        }
        return out;
    }

    private static void assertReads(String table, long from, long to, long step) throws Exception {
        SelectHints hints = new SelectHints(from, to, step, 0, "");
        // the rollups' watermark (the hours': the hour it falls in); after it the read is raw
        long until = Math.min(table.endsWith("1h") ? watermark / HOUR * HOUR : watermark, to + 1);
        Map<String, Series> expected = expected(table, from, until, to);
        for (int pass = 0; pass < 2; pass++) {
            List<Series> got = select(hints);
            Map<String, Series> byShard = new HashMap<>();
            for (Series s : got) {
                Series e = expected.get(s.labels().get("shard"));
                // the tail after the rollups' watermark is read raw: compare the rollup part
                int n = 0;
                while (n < s.size() && s.timestampsMs()[n] < until) {
                    n++;
                }
                byShard.put(s.labels().get("shard"), new Series(s.labels(), java.util.Arrays.copyOf(s.timestampsMs(), n),
                        java.util.Arrays.copyOf(s.values(), n)));
            }
            for (Map.Entry<String, Series> e : expected.entrySet()) {
                Series actual = byShard.get(e.getKey());
                assertThat(actual).as("%s %s from %d to %d pass %d", table, e.getKey(), from, to, pass).isNotNull();
                assertThat(actual.timestampsMs()).as("%s %s times from %d pass %d", table, e.getKey(), from, pass)
                        .isEqualTo(e.getValue().timestampsMs());
                assertThat(actual.values()).as("%s %s values from %d pass %d", table, e.getKey(), from, pass)
                        .isEqualTo(e.getValue().values());
            }
            for (Series s : got) {
                assertTextIsTheValues(s);
            }
        }
    }

    /**
     * Where a read series has text for a value, it is the text the API writes for that double;
     * asked for another double, it has none. Returns how many values had text.
     */
    private static int assertTextIsTheValues(Series s) {
        if (s.text() == null) {
            return 0;
        }
        byte[] got = new byte[64];
        byte[] want = new byte[64];
        int with = 0;
        for (int i = 0; i < s.size(); i++) {
            double v = s.values()[i];
            int end = s.text().put(i, v, got, 0);
            if (end >= 0) {
                with++;
                int wantEnd = dev.peephole.collector.promql.PromQLFormat.putApiValue(want, 0, v);
                assertThat(java.util.Arrays.copyOf(got, end)).as("%s text of %s", s.labels(), v)
                        .isEqualTo(java.util.Arrays.copyOf(want, wantEnd));
                assertThat(s.text().put(i, Math.nextUp(v), got, 0)).as("text for another double").isEqualTo(-1);
            }
        }
        return with;
    }

    @Test
    void aSelectorsAnswerWritesItsValuesFromTheBlocksText() {
        dev.peephole.collector.promql.Engine engine = server.getApplicationContext()
                .getBean(dev.peephole.collector.promql.Engine.class);
        long from = (end - SPAN_MS) / MINUTE * MINUTE + 5 * MINUTE;
        for (int pass = 0; pass < 2; pass++) {
            List<Series> matrix = engine.rangeQuery("rbc_values", from, end, MINUTE).matrix();
            int points = 0;
            int withText = 0;
            for (Series s : matrix) {
                points += s.size();
                withText += assertTextIsTheValues(s);
                // the JSON pairs are the same bytes as those formatted value by value
                SamplePairs plain = new SamplePairs().format(s.timestampsMs(), s.values());
                byte[] expected = java.util.Arrays.copyOf(plain.buf, plain.len);
                SamplePairs copied = new SamplePairs().format(s.timestampsMs(), s.values(), s.text());
                assertThat(java.util.Arrays.copyOf(copied.buf, copied.len)).as("%s pass %d", s.labels(), pass)
                        .isEqualTo(expected);
            }
            // all but the last minutes (not settled) and the minutes without a sample (a step takes an older one)
            assertThat(withText).as("pass %d: values written from the blocks' text of %d", pass, points)
                    .isGreaterThan(points * 8 / 10);
        }
    }

    @Test
    void minuteReadsFromMemoryAreTheTablesRows() throws Exception {
        double before = hits();
        Random rnd = new Random(5);
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[] {end - SPAN_MS, end});
        ranges.add(new long[] {roundingMinute(), end}); // the rounded sample's bucket is before the start: left out
        ranges.add(new long[] {roundingMinute() - MINUTE, end - 3 * HOUR}); // and in
        ranges.add(new long[] {(end - 10 * HOUR) / HOUR * HOUR, (end - 2 * HOUR) / HOUR * HOUR}); // block edges
        for (int k = 0; k < 12; k++) {
            long from = end - SPAN_MS + (long) (rnd.nextDouble() * (SPAN_MS - HOUR));
            ranges.add(new long[] {from, from + (long) (rnd.nextDouble() * (end - from))});
        }
        for (long[] r : ranges) {
            assertReads("metric_rollup_1m", r[0], r[1], MINUTE);
        }
        assertThat(hits()).as("blocks served from memory").isGreaterThan(before + 100);
    }

    @Test
    void hourReadsFromMemoryAreTheTablesRows() throws Exception {
        assertReads("metric_rollup_1h", end - SPAN_MS, end, HOUR);
        assertReads("metric_rollup_1h", end - SPAN_MS + 1_234_567, end - 90 * MINUTE, 2 * HOUR);
    }

    @Test
    void bucketsTheMaintainerMayRewriteAreReadFromTheDatabase() throws Exception {
        SelectHints hints = new SelectHints(end - 6 * HOUR, end, MINUTE, 0, "");
        select(hints); // blocks kept
        // a late point in the last settled-looking minute before the watermark, and the maintainer's next run
        long late = watermark - MINUTE + 59_000;
        try (Connection c = dataSource().getConnection(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT id, to_timestamp(" + late / 1000.0
                    + "), -7.25 FROM metric_series WHERE metric_name = 'rbc_values' AND labels->>'shard' = 's1'");
        }
        server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.ofEpochMilli(watermark + 1_000));
        Series s1 = select(new SelectHints(end - 6 * HOUR, watermark, MINUTE, 0, "")).stream()
                .filter(s -> s.labels().get("shard").equals("s1")).findFirst().orElseThrow();
        assertThat(s1.timestampsMs()[s1.size() - 1]).isEqualTo(late);
        assertThat(s1.values()[s1.size() - 1]).isEqualTo(-7.25);
    }
}
