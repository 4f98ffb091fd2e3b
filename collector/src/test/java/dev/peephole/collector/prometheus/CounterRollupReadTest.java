package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.Series;
import dev.peephole.collector.storage.RollupMaintainer;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * rate / increase (and histogram_quantile over them) of instant queries over long windows, served on
 * plain PostgreSQL from the 1-minute rollups' counter columns for the whole minutes and from the raw
 * points for the edges, answer as the raw points do. Compared query by query with the same engine
 * reading only raw points, over counters with resets inside minutes and at minute boundaries, gaps,
 * a staleness marker, rows stored twice, series starting and ending inside the window, one sample a
 * minute, fractional values, off-second timestamps, and windows not aligned to minutes. Exact to the
 * bit for counters without resets (the same last - first, the same sample times and count); with
 * resets, a minute or hour of several adds their corrections as one sum (summed in time order by
 * PostgreSQL) where the raw path adds them one by one to the running result, which can differ in
 * the last bits: a relative 1e-12 is allowed. On TimescaleDB the same reads stay raw.
 */
class CounterRollupReadTest {
    private static final long STEP_MS = 15_000;
    private static final long SPAN_MS = 3 * 3_600_000L;
    private static final long STALE = 0x7ff0000000000002L;
    /** The counters with resets (s4 has the one after its staleness marker's neighbours: read raw anyway). */
    private static final java.util.Set<String> WITH_RESETS = java.util.Set.of("s1", "s2", "s4", "s10");

    private static EmbeddedServer server;
    private static long end;

    @BeforeAll
    static void seed() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "cr");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.default.rules", false);
        props.put("peephole.alerting.schedule", false);
        props.put("peephole.rollup.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        end = System.currentTimeMillis() / 60_000 * 60_000 - 180_000;
        long base = end - SPAN_MS;
        Random rnd = new Random(11);
        List<LocalSample> samples = new ArrayList<>();
        for (int s = 0; s <= 10; s++) {
            double v = rnd.nextInt(50);
            String grp = s <= 5 ? "g1" : "g2";
            for (int i = 0; base + i * STEP_MS <= end; i++) {
                long t = base + i * STEP_MS;
                if (s == 3 && (rnd.nextInt(4) == 0 || (t - base >= 40 * 60_000L && t - base < 50 * 60_000L))) {
                    continue; // gaps: single samples and ten whole minutes
                }
                if (s == 5 && t - base < 100 * 60_000L || s == 6 && t - base > 130 * 60_000L) {
                    continue; // starts / ends inside the windows
                }
                if (s == 9 && i % 6 != 0) {
                    continue; // one sample every 90 s: minutes of one sample
                }
                if (s == 7) {
                    t += rnd.nextInt(900); // off the second
                }
                double inc = s == 10 ? rnd.nextDouble() * 0.37 : rnd.nextInt(20);
                if (s == 1 && rnd.nextInt(8) == 0 || s == 10 && rnd.nextInt(50) == 0) {
                    v = s == 10 ? rnd.nextDouble() : rnd.nextInt(5); // resets inside minutes (sometimes two in one)
                } else if (s == 2 && i % 28 == 0) {
                    v = rnd.nextInt(3); // resets at the first sample of a minute
                } else {
                    v += inc;
                }
                double value = s == 4 && i == 300 ? Double.longBitsToDouble(STALE) : v;
                samples.add(new LocalSample("crr_calls_total", Map.of("k", "s" + s, "grp", grp), t, value));
            }
        }
        double[] les = {0.1, 0.5, 1, 5};
        for (String svc : List.of("a", "b")) {
            long[] counts = new long[les.length + 1];
            for (long t = base; t <= end; t += STEP_MS) {
                int n = rnd.nextInt(30);
                for (int k = 0; k < n; k++) {
                    double d = rnd.nextDouble() * rnd.nextDouble() * (svc.equals("a") ? 2 : 8);
                    for (int b = 0; b <= les.length; b++) {
                        if (b == les.length || d <= les[b]) {
                            counts[b]++;
                        }
                    }
                }
                for (int b = 0; b <= les.length; b++) {
                    String le = b == les.length ? "+Inf" : Double.toString(les[b]);
                    samples.add(new LocalSample("crr_duration_seconds_bucket", Map.of("svc", svc, "le", le), t, counts[b]));
                }
            }
        }
        server.getApplicationContext().getBean(LocalSeriesWriter.class).write(samples, "counter", "test");
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement st = c.createStatement()) {
            // a retried batch: some rows of s8 stored twice
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT p.series_id, p.t, p.v FROM metric_points p "
                    + "JOIN metric_series s ON s.id = p.series_id WHERE s.metric_name = 'crr_calls_total' "
                    + "AND s.labels->>'k' = 's8' AND extract(second FROM p.t) < 20");
        }
        server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.now());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static StoredSeriesSource source() {
        return server.getApplicationContext().getBean(StoredSeriesSource.class);
    }

    /** The same engine, reading every selector raw (a function hint the storage does not summarize). */
    private static Engine rawEngine() {
        return RawReadEngine.of(server.getApplicationContext());
    }

    @Test
    void longWindowRatesReadTheRollupsAndAnswerAsTheRawPoints() {
        Engine engine = server.getApplicationContext().getBean(Engine.class);
        Engine raw = rawEngine();
        long[] times = {end, end - 17_345, end - 3_600_000L + 29_999, System.currentTimeMillis(), end - 100 * 60_000L + 1};
        String[] ranges = {"30m", "45m", "1h", "7201s", "2h", "3h", "10m"};
        int compared = 0;
        for (long time : times) {
            for (String range : ranges) {
                List<String> queries = List.of(
                        "rate(crr_calls_total[" + range + "])",
                        "increase(crr_calls_total[" + range + "])",
                        "sum by (grp) (rate(crr_calls_total[" + range + "]))",
                        "histogram_quantile(0.95, sum by (svc, le) (rate(crr_duration_seconds_bucket[" + range + "])))",
                        "rate(crr_duration_seconds_bucket[" + range + "])",
                        "irate(crr_calls_total[" + range + "])",
                        "delta(crr_calls_total[" + range + "])",
                        "count_over_time(crr_calls_total[" + range + "])",
                        "rate(crr_calls_total[" + range + "]) - increase(crr_calls_total[" + range + "] offset 7m)");
                for (String q : queries) {
                    List<Sample> want = sorted(raw.instantQuery(q, time));
                    List<Sample> got = sorted(engine.instantQuery(q, time));
                    assertThat(got).as(q + " @" + time).hasSameSizeAs(want);
                    assertThat(want).as(q).isNotEmpty();
                    for (int i = 0; i < want.size(); i++) {
                        Sample w = want.get(i);
                        Sample g = got.get(i);
                        assertThat(g.labels()).as(q).isEqualTo(w.labels());
                        if (q.contains("calls_total") && !q.startsWith("sum") || q.contains("duration")) {
                            // series-wise answers: to the bit for counters without resets
                            if (!WITH_RESETS.contains(w.labels().get("k"))) {
                                assertThat(Double.doubleToRawLongBits(g.v())).as(q + " " + w.labels() + " @" + time)
                                        .isEqualTo(Double.doubleToRawLongBits(w.v()));
                            }
                        }
                        assertClose(g.v(), w.v(), q + " " + w.labels() + " @" + time);
                        compared++;
                    }
                }
            }
        }
        assertThat(compared).isGreaterThan(1000);
    }

    @Test
    void theRollupReadIsCompactAndFallsBackToRawWhereAMinuteCannotStandForItsPoints() {
        long time = end - 17_345;
        SelectHints rate = new SelectHints(time - 2 * 3_600_000L, time, 0, 2 * 3_600_000L, "rate");
        SelectHints raw = new SelectHints(time - 2 * 3_600_000L, time, 0, 2 * 3_600_000L, "avg_over_time");
        List<LabelMatcher> calls = List.of(LabelMatcher.eq(Labels.METRIC_NAME, "crr_calls_total"));
        Map<String, Series> summarized = byK(source().select(calls, rate));
        Map<String, Series> every = byK(source().select(calls, raw));
        assertThat(summarized.keySet()).isEqualTo(every.keySet());
        for (Map.Entry<String, Series> e : summarized.entrySet()) {
            Series s = e.getValue();
            Series r = every.get(e.getKey());
            if (TestDatabase.isTimescale() || e.getKey().equals("s4")) {
                // TimescaleDB: no counter columns; s4: a staleness marker in a minute
                assertThat(s.counterSteps()).as(e.getKey()).isNull();
                assertThat(s).isEqualTo(r);
                continue;
            }
            assertThat(s.counterSteps()).as(e.getKey()).isNotNull();
            assertThat(s.timestampsMs()[0]).isEqualTo(r.timestampsMs()[0]);
            assertThat(s.timestampsMs()[s.size() - 1]).isEqualTo(r.timestampsMs()[r.size() - 1]);
            int hidden = 0;
            for (int h : s.counterSteps().hidden()) {
                hidden += Math.max(h, 0);
            }
            assertThat(s.size() + hidden).as(e.getKey() + " samples stood for").isEqualTo(r.size());
            if (!e.getKey().equals("s9") && !e.getKey().equals("s3")) {
                // four samples a minute become two (but for the gaps of s3 and the single samples of s9)
                assertThat(s.size()).as(e.getKey()).isLessThan(r.size() * 6 / 10);
            }
        }
        // three hours: the whole hours among them from the hour rollups
        SelectHints longer = new SelectHints(time - 3 * 3_600_000L, time, 0, 3 * 3_600_000L, "increase");
        SelectHints longerRaw = new SelectHints(time - 3 * 3_600_000L, time, 0, 3 * 3_600_000L, "avg_over_time");
        Series s0 = byK(source().select(calls, longer)).get("s0");
        Series r0 = byK(source().select(calls, longerRaw)).get("s0");
        if (!TestDatabase.isTimescale()) {
            assertThat(s0.counterSteps()).isNotNull();
            assertThat(s0.size()).as("an hour of 240 samples read as two").isLessThan(r0.size() / 3);
        }
        // shorter windows and range queries keep reading raw
        SelectHints shortWindow = new SelectHints(time - 600_000L, time, 0, 600_000L, "rate");
        assertThat(source().select(calls, shortWindow)).allSatisfy(s -> assertThat(s.counterSteps()).isNull());
        SelectHints ranged = new SelectHints(time - 2 * 3_600_000L, time, 60_000L, 3_600_000L, "rate");
        assertThat(source().select(calls, ranged)).allSatisfy(s -> assertThat(s.counterSteps()).isNull());
    }

    private static Map<String, Series> byK(List<Series> list) {
        Map<String, Series> out = new HashMap<>();
        for (Series s : list) {
            out.put(s.labels().get("k"), s);
        }
        return out;
    }

    private static List<Sample> sorted(QueryResult r) {
        List<Sample> out = new ArrayList<>(r.vector());
        out.sort(Comparator.comparing(Sample::labels));
        return out;
    }

    private static void assertClose(double got, double want, String what) {
        if (Double.isNaN(want)) {
            assertThat(got).as(what).isNaN();
            return;
        }
        double scale = Math.max(Math.abs(want), Math.abs(got));
        assertThat(Math.abs(got - want)).as(what + ": " + got + " vs " + want).isLessThanOrEqualTo(1e-12 * scale);
    }
}
