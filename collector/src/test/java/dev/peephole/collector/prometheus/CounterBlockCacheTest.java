package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.storage.RollupMaintainer;
import dev.peephole.collector.support.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Day-long rate / increase read the rollups' counter form partly from {@link RollupBlockCache}
 * (settled hours and hours of minutes) and answer as the raw points do, cold and warm; and the
 * hour and the minutes the rollup maintainer may still rewrite are read from the database, so a
 * point that arrives late within its restatement reach shows in the next answer. The rollups are
 * run at a chosen moment just after an hour boundary, where a wrong "settled" bound would have
 * kept the hour before it.
 */
class CounterBlockCacheTest {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    private static EmbeddedServer server;
    /** The hour boundary the rollups' watermarks stand just after (minutes: H + 1 min; hours: H). */
    private static long h;

    @BeforeAll
    static void seed() throws Exception {
        Assumptions.assumeFalse(TestDatabase.isTimescale(), "TimescaleDB reads its continuous aggregates, uncached");
        server = QuietCollector.start("cbc-admin-1");
        h = System.currentTimeMillis() / HOUR * HOUR - 2 * HOUR;
        List<LocalSample> samples = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            double v = 0;
            for (long t = h - 6 * HOUR; t <= h + 75_000; t += 15_000) {
                v += s + (t / 15_000) % 7;
                samples.add(new LocalSample("cbc_calls_total", Map.of("k", "s" + s), t + s * 111, v));
            }
        }
        server.getApplicationContext().getBean(LocalSeriesWriter.class).write(samples, "counter", "test");
        RollupMaintainer rollups = server.getApplicationContext().getBean(RollupMaintainer.class);
        rollups.runOnce(Instant.ofEpochMilli(h + 90_000));
        assertThat(rollups.minuteRollupsCompleteThrough()).contains(Instant.ofEpochMilli(h + MINUTE));
        assertThat(rollups.hourRollupsCompleteThrough()).contains(Instant.ofEpochMilli(h));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Engine engine() {
        return server.getApplicationContext().getBean(Engine.class);
    }

    /** The same engine reading every selector raw. */
    private static Engine rawEngine() {
        return RawReadEngine.of(server.getApplicationContext());
    }

    private static double hits() {
        return server.getApplicationContext().getBean(MeterRegistry.class).get("peephole.query.rollup.cache.hits")
                .functionCounter().count();
    }

    private static List<Sample> answer(Engine engine, String query, long time) {
        List<Sample> out = new ArrayList<>(engine.instantQuery(query, time).vector());
        out.sort(Comparator.comparing(Sample::labels));
        return out;
    }

    /** The rollup read's answers equal the raw read's (to a relative 1e-12: resets summed in another order). */
    private static List<Sample> assertAsRaw(String query, long time) {
        List<Sample> want = answer(rawEngine(), query, time);
        List<Sample> got = answer(engine(), query, time);
        assertThat(want).as(query).hasSize(4);
        assertThat(got).as(query).hasSameSizeAs(want);
        for (int i = 0; i < want.size(); i++) {
            assertThat(got.get(i).labels()).isEqualTo(want.get(i).labels());
            double w = want.get(i).v();
            assertThat(Math.abs(got.get(i).v() - w)).as(query + " " + want.get(i).labels() + ": " + got.get(i).v()
                    + " vs " + w).isLessThanOrEqualTo(1e-12 * Math.abs(w));
        }
        return got;
    }

    @Test
    void settledBlocksComeFromMemoryAndWhatMayBeRewrittenFromTheDatabase() throws Exception {
        long time = h + MINUTE;
        // 5 h: whole hours from the hour rollups (the last one not settled), minutes at both ends;
        // 50 min: minutes only, the hour before h not settled (its last minute may be restated)
        List<String> queries = List.of("increase(cbc_calls_total[5h])", "rate(cbc_calls_total[50m])",
                "increase(cbc_calls_total[2h] offset 37m)", "rate(cbc_calls_total[4h] offset 1h)");
        List<List<Sample>> before = new ArrayList<>();
        for (String q : queries) {
            before.add(assertAsRaw(q, time)); // cold: blocks read and kept
        }
        double warm = hits();
        for (String q : queries) {
            assertAsRaw(q, time);
        }
        assertThat(hits()).as("counter blocks served from memory").isGreaterThan(warm + 20);

        // a counter reset 20 s before h, arrived late, and the maintainer's next run restating it
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement st = c.createStatement()) {
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT id, to_timestamp(" + (h - 20_000) / 1000
                    + "), 0 FROM metric_series WHERE metric_name = 'cbc_calls_total' AND labels->>'k' = 's1'");
        }
        server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.ofEpochMilli(h + 95_000));
        for (int i = 0; i < 2; i++) {
            List<Sample> after = assertAsRaw(queries.get(i), time);
            assertThat(after.get(1).v()).as(queries.get(i) + ": the late reset counted")
                    .isNotEqualTo(before.get(i).get(1).v());
            assertThat(after.get(0).v()).as(queries.get(i) + ": the other series unchanged")
                    .isEqualTo(before.get(i).get(0).v());
        }
    }
}
