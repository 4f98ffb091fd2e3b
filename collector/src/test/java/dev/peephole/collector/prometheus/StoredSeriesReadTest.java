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
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The query path's reads (one index scan per series, arrays in their binary form) return exactly the stored
 * samples: every raw sample in the window in time order, a row stored twice once, stale markers
 * bit for bit; from the minute rollups each bucket's last sample. Checked against the rows read
 * back one by one with plain SQL, for a selector of 40 series and for each series alone.
 */
class StoredSeriesReadTest {
    private static final long STEP_MS = 10_000;
    private static final long SPAN_MS = 3 * 3_600_000L;
    private static final long STALE = 0x7ff0000000000002L;

    private static EmbeddedServer server;
    private static long end;

    @BeforeAll
    static void seed() throws Exception {
        server = QuietCollector.start("read-admin-1");
        end = System.currentTimeMillis() / 60_000 * 60_000 - 120_000;
        LocalSeriesWriter writer = server.getApplicationContext().getBean(LocalSeriesWriter.class);
        Random rnd = new Random(7);
        List<LocalSample> samples = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            double v = rnd.nextInt(100);
            for (long t = end - SPAN_MS; t <= end; t += STEP_MS) {
                if (i % 5 == 2 && rnd.nextInt(4) == 0) {
                    continue; // gaps
                }
                long at = t + (i % 3 == 1 ? rnd.nextInt(900) : 0); // timestamps off the second
                v = rnd.nextInt(300) == 0 ? Double.longBitsToDouble(STALE) : v + rnd.nextGaussian() * 1e-3 * Math.pow(10, i % 9);
                samples.add(new LocalSample("sr_values", Map.of("shard", "s" + i), at, v));
            }
        }
        writer.write(samples, "gauge", "test");
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement st = c.createStatement()) {
            // a retried batch: some rows stored twice
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT p.series_id, p.t, p.v FROM metric_points p "
                    + "JOIN metric_series s ON s.id = p.series_id WHERE s.labels->>'shard' IN ('s3', 's17')");
        }
        server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.now());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<Series> select(List<LabelMatcher> matchers, SelectHints hints) {
        return server.getApplicationContext().getBean(StoredSeriesSource.class).select(matchers, hints);
    }

    private static List<LabelMatcher> name() {
        return List.of(LabelMatcher.eq(Labels.METRIC_NAME, "sr_values"));
    }

    /** What the table holds for a series in [from, to], read row by row: distinct times, in order. */
    private static Series expected(Labels labels, String sql, long from, long to) throws Exception {
        List<Long> ts = new ArrayList<>();
        List<Double> vs = new ArrayList<>();
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, labels.get("shard"));
            ps.setTimestamp(2, new java.sql.Timestamp(from));
            ps.setTimestamp(3, new java.sql.Timestamp(to));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long t = rs.getTimestamp(1).getTime();
                    if (ts.isEmpty() || t > ts.get(ts.size() - 1)) {
                        ts.add(t);
                        vs.add(rs.getDouble(2));
                    }
                }
            }
        }
        return new Series(labels, ts.stream().mapToLong(Long::longValue).toArray(), vs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static void assertSameBits(Series actual, Series expected) {
        assertThat(actual.labels()).isEqualTo(expected.labels());
        assertThat(actual.timestampsMs()).isEqualTo(expected.timestampsMs());
        long[] a = new long[actual.size()];
        long[] e = new long[expected.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = Double.doubleToRawLongBits(actual.values()[i]);
        }
        for (int i = 0; i < e.length; i++) {
            e[i] = Double.doubleToRawLongBits(expected.values()[i]);
        }
        assertThat(a).isEqualTo(e);
    }

    @Test
    void rawReadsOfManySeriesAndOfOneSeriesReturnEveryStoredSample() throws Exception {
        long from = end - SPAN_MS + 777;
        SelectHints hints = new SelectHints(from, end, 0, SPAN_MS, "avg_over_time");
        List<Series> all = select(name(), hints);
        assertThat(all).hasSize(40);
        String sql = "SELECT p.t, p.v FROM metric_points p JOIN metric_series s ON s.id = p.series_id "
                + "WHERE s.metric_name = 'sr_values' AND s.labels->>'shard' = ? AND p.t >= ? AND p.t <= ? ORDER BY p.t";
        int stale = 0;
        for (Series s : all) {
            Series e = expected(s.labels(), sql, from, end);
            assertSameBits(s, e);
            for (double v : s.values()) {
                stale += Double.doubleToRawLongBits(v) == STALE ? 1 : 0;
            }
            List<LabelMatcher> one = new ArrayList<>(name());
            one.add(LabelMatcher.eq("shard", s.labels().get("shard")));
            List<Series> alone = select(one, hints);
            assertThat(alone).hasSize(1);
            assertSameBits(alone.get(0), e);
        }
        assertThat(stale).as("stale markers kept bit for bit").isGreaterThan(0);
    }

    @Test
    void rollupReadsReturnEachMinutesLastSample() throws Exception {
        long from = end - SPAN_MS;
        SelectHints hints = new SelectHints(from, end, 60_000, 0, "");
        List<Series> all = select(name(), hints);
        assertThat(all).hasSize(40);
        String sql = "SELECT r.last_t, r.last_v FROM metric_rollup_1m r JOIN metric_series s ON s.id = r.series_id "
                + "WHERE s.metric_name = 'sr_values' AND s.labels->>'shard' = ? AND r.bucket >= ? AND r.last_t <= ? ORDER BY r.bucket";
        for (Series s : all) {
            Series e = expected(s.labels(), sql, from, end);
            assertThat(e.size()).isGreaterThan(100);
            assertSameBits(s, e);
        }
    }
}
