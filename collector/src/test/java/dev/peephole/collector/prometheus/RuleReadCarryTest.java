package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LatePoints;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.ReadCarry;
import dev.peephole.collector.promql.SelectRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rule group's batched read carried from one evaluation to the next
 * ({@link StoredSeriesSource#prefetch(java.util.Collection, ReadCarry)}) answers exactly as a full
 * read, on the real PostgreSQL, while it reads only the newest part of each window from the
 * database: rounds 10 s apart, a gap, a step back in time, series that appear and stop, points
 * stored late within the overlap (seen), and the stated limit: a point stored later than the
 * overlap is missed until the next full read.
 */
class RuleReadCarryTest {
    private static final long STEP_MS = 15_000;
    private static EmbeddedServer server;
    private static Engine engine;
    private static StoredSeriesSource source;
    private static LocalSeriesWriter writer;
    private static long end;

    @BeforeAll
    static void start() throws Exception {
        server = QuietCollector.start("carry-admin-1");
        engine = server.getApplicationContext().getBean(Engine.class);
        source = server.getApplicationContext().getBean(StoredSeriesSource.class);
        writer = server.getApplicationContext().getBean(LocalSeriesWriter.class);
        end = System.currentTimeMillis() / 60_000 * 60_000 - 60_000;
        Random rnd = new Random(7);
        List<LocalSample> points = new ArrayList<>();
        for (int j = 0; j < 10; j++) {
            for (int i = 0; i < 20; i++) {
                int instance = j * 20 + i;
                Map<String, String> labels = Map.of("job", "j" + j, "instance", "i" + instance);
                double v = rnd.nextInt(100);
                long last = instance % 11 == 4 ? end - 9 * 60_000L : end + 60_000L; // some stop
                for (long t = end - 30 * 60_000L + (instance % 5) * 1_000L; t <= last; t += STEP_MS) {
                    if (instance % 7 == 3 && rnd.nextInt(4) == 0) {
                        continue; // gaps
                    }
                    v = rnd.nextInt(150) == 0 ? 0 : v + rnd.nextInt(5);
                    points.add(new LocalSample("rc_requests_total", labels, t, v));
                }
            }
        }
        writer.write(points, "counter", "test");
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static List<String> expressions() {
        List<String> e = new ArrayList<>();
        for (int j = 0; j < 10; j++) {
            e.add("sum by (job) (rate(rc_requests_total{job=\"j" + j + "\"}[5m]))");
            e.add("count_over_time(rc_requests_total{job=\"j" + j + "\"}[5m])");
        }
        e.add("max_over_time(rc_requests_total{instance=~\"i1.*\"}[5m])");
        e.add("increase(rc_requests_total[2m])");
        e.add("rc_requests_total{job=\"j3\"}");
        e.add("sum(count_over_time(rc_requests_total[10m]))");
        return e;
    }

    /** What the carried read answers for every expression at ts, and what the read kept. */
    private static List<String> carried(ReadCarry carry, long ts) {
        Set<SelectRequest> reads = new LinkedHashSet<>();
        for (String expr : expressions()) {
            reads.addAll(engine.instantSelects(expr, ts));
        }
        Engine snapshot = engine.withSource(source.prefetch(reads, carry));
        return answers(snapshot, ts);
    }

    private static List<String> answers(Engine e, long ts) {
        List<String> out = new ArrayList<>();
        for (String expr : expressions()) {
            QueryResult r = e.instantQuery(expr, ts);
            out.add(expr + " = " + r.vector());
        }
        return out;
    }

    private static StoredSeriesSource.Window window(ReadCarry carry, long lengthMs) {
        return ((StoredSeriesSource.Carried) carry.state()).byLength.get(lengthMs);
    }

    private static void insertLate(String instance, long t, double v) throws Exception {
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO metric_points (series_id, t, v) "
                     + "SELECT id, ?, ? FROM metric_series WHERE metric_name = 'rc_requests_total' "
                     + "AND labels->>'instance' = ?")) {
            ps.setTimestamp(1, Timestamp.from(Instant.ofEpochMilli(t)));
            ps.setDouble(2, v);
            ps.setString(3, instance);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
    }

    @Test
    void carriedReadsAnswerAsFullReadsAndReadOnlyTheNewestPart() throws Exception {
        ReadCarry carry = new ReadCarry();
        List<Long> rounds = new ArrayList<>();
        for (long ts = end - 12 * 60_000L; ts <= end - 8 * 60_000L; ts += 10_000) {
            rounds.add(ts);
        }
        rounds.add(end - 6 * 60_000L + 3_000); // a gap of two minutes: still carried (overlap and start)
        rounds.add(end - 7 * 60_000L); // a step back: read in full
        for (long ts = end - 6 * 60_000L; ts <= end; ts += 10_000) {
            rounds.add(ts);
        }
        int carriedRounds = 0;
        int nonEmpty = 0;
        for (int k = 0; k < rounds.size(); k++) {
            long ts = rounds.get(k);
            if (k == 20) {
                // A series appears: read in full, the others carried.
                List<LocalSample> fresh = new ArrayList<>();
                for (long t = end - 30 * 60_000L; t <= end; t += STEP_MS) {
                    fresh.add(new LocalSample("rc_requests_total", Map.of("job", "j2", "instance", "new"), t, t / 1000.0));
                }
                writer.write(fresh, "counter", "test");
            }
            List<String> got = carried(carry, ts);
            assertThat(got).as("round %d at %d", k, ts).isEqualTo(answers(engine, ts));
            StoredSeriesSource.Window w = window(carry, 300_000L);
            assertThat(w.toMs).isEqualTo(ts);
            if (w.fromDatabase < w.samples) {
                carriedRounds++;
                if (w.fullReadToMs != ts && k > 0 && rounds.get(k - 1) + 10_000 == ts) {
                    // 10 s on: the database gives the overlap (2 min) and the new 10 s, not the 5 min.
                    assertThat(w.fromDatabase).as("rows read at round %d", k).isLessThan(w.samples * 2 / 3);
                }
            }
            nonEmpty += got.stream().filter(s -> !s.endsWith("= []")).count();
        }
        assertThat(carriedRounds).as("rounds that carried rows").isGreaterThan(rounds.size() * 3 / 4);
        assertThat(nonEmpty).isGreaterThan(rounds.size() * 15);
    }

    /** Waits (generously) until the late-point listener listens, so reads use the short overlap. */
    private static LatePoints listening() throws Exception {
        LatePoints late = server.getApplicationContext().getBean(LatePoints.class);
        late.mark();
        long deadline = System.currentTimeMillis() + 60_000;
        while (!late.listening() && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
        }
        assertThat(late.listening()).isTrue();
        return late;
    }

    @Test
    void latePointsAreSeenAtTheNextRoundWhenAnnouncedOrWithinTheOverlapAndOthersAtTheNextFullRead() throws Exception {
        LatePoints late = listening();
        ReadCarry carry = new ReadCarry();
        long ts = end - 15 * 60_000L;
        carried(carry, ts);
        ts += 10_000;
        carried(carry, ts);
        StoredSeriesSource.Window w = window(carry, 300_000L);
        assertThat(w.sinceMs).as("listening: the short overlap").isEqualTo(ts - 10_000 - StoredSeriesSource.CARRY_SHORT_OVERLAP_MS);

        // Stored around the collector (plain SQL, not announced) after the read, 30 s before its end:
        // within the overlap, seen.
        insertLate("i10", ts - 30_000L + 7_000, 1e9);
        ts += 10_000;
        List<String> got = carried(carry, ts);
        assertThat(got).isEqualTo(answers(engine, ts));
        assertThat(String.join("\n", got)).contains("} 1000000000 @");

        // Stored through the collector 3 minutes before the last read's end (beyond any overlap):
        // announced, and read from its time on at the next round.
        LatePoints.Mark before = late.mark();
        writer.write(List.of(new LocalSample("rc_requests_total", Map.of("job", "j0", "instance", "i12"),
                ts - 180_000L + 7_000, 3e9)), "counter", "test");
        long deadline = System.currentTimeMillis() + 30_000;
        while (late.since(before) == Long.MAX_VALUE && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(late.since(before)).isEqualTo(ts - 180_000L + 7_000);
        ts += 10_000;
        got = carried(carry, ts);
        assertThat(got).isEqualTo(answers(engine, ts));
        assertThat(String.join("\n", got)).contains("} 3000000000 @");
        assertThat(window(carry, 300_000L).sinceMs).isEqualTo(ts - 10_000 - 180_000L + 7_000);
        ts += 10_000;
        carried(carry, ts);
        assertThat(window(carry, 300_000L).sinceMs).as("back to the short overlap")
                .isEqualTo(ts - 10_000 - StoredSeriesSource.CARRY_SHORT_OVERLAP_MS);

        // Stored around the collector later than the overlap: 90 s before the last read's end. The
        // carried read does not see it (the stated limit) until its window is read in full again,
        // within CARRY_FULL_READ_MS.
        insertLate("i15", ts - 90_000L + 7_000, 2e9);
        long lateAt = ts;
        ts += 10_000;
        assertThat(carried(carry, ts)).isNotEqualTo(answers(engine, ts));
        assertThat(String.join("\n", answers(engine, ts))).contains("} 2000000000 @");
        boolean seen = false;
        for (ts += 10_000; ts <= lateAt + StoredSeriesSource.CARRY_FULL_READ_MS + 20_000; ts += 10_000) {
            List<String> now = carried(carry, ts);
            if (now.equals(answers(engine, ts))) {
                seen = true;
                assertThat(window(carry, 300_000L).fromDatabase).isEqualTo(window(carry, 300_000L).samples);
                break;
            }
        }
        assertThat(seen).as("the late point is seen at the next full read").isTrue();
    }

    @Test
    void callersWithSpreadPhasesReadInFullInDifferentRoundsAndAtLeastEveryPeriod() {
        long period = StoredSeriesSource.CARRY_FULL_READ_MS;
        ReadCarry[] carries = {new ReadCarry(), new ReadCarry(), new ReadCarry()};
        for (int i = 0; i < carries.length; i++) {
            carries[i].phase((double) i / carries.length);
        }
        List<List<Long>> fullReads = new ArrayList<>();
        for (ReadCarry ignored : carries) {
            fullReads.add(new ArrayList<>());
        }
        long first = end - 25 * 60_000L;
        for (long ts = first; ts <= end - 5 * 60_000L; ts += 10_000) {
            for (int i = 0; i < carries.length; i++) {
                assertThat(carried(carries[i], ts)).isEqualTo(answers(engine, ts));
                if (window(carries[i], 300_000L).fullReadToMs == ts) {
                    fullReads.get(i).add(ts);
                }
            }
        }
        for (int i = 0; i < carries.length; i++) {
            List<Long> at = fullReads.get(i);
            long phaseMs = period * i / carries.length;
            assertThat(at.get(0)).as("the first read is in full").isEqualTo(first);
            for (int k = 1; k < at.size(); k++) {
                assertThat(at.get(k) - at.get(k - 1)).as("carry %d: full reads at most a period apart", i)
                        .isLessThanOrEqualTo(period);
                // the first round past a multiple of the period, shifted by the phase
                assertThat(Math.floorMod(at.get(k) - phaseMs, period)).as("carry %d at %d", i, at.get(k))
                        .isLessThan(10_000L);
            }
            assertThat(at.size()).as("carry %d: full reads in 20 minutes", i).isBetween(4, 6);
            for (int j = 0; j < i; j++) {
                List<Long> shared = new ArrayList<>(at.subList(1, at.size()));
                shared.retainAll(fullReads.get(j));
                assertThat(shared).as("carries %d and %d re-read in the same round", j, i).isEmpty();
            }
        }
    }

    @Test
    void withoutTheListenerTheLongOverlap() {
        LatePoints.Mark notListening = new LatePoints.Mark(0, 0, false);
        LatePoints late = server.getApplicationContext().getBean(LatePoints.class);
        assertThat(late.since(notListening)).isNull();
        assertThat(late.since(null)).isNull();
    }

    @Test
    void overTheCapNothingIsCarried() {
        long before = source.carryMaxSamples;
        source.carryMaxSamples = 100;
        try {
            ReadCarry carry = new ReadCarry();
            long ts = end - 20 * 60_000L;
            for (int k = 0; k < 3; k++, ts += 10_000) {
                assertThat(carried(carry, ts)).isEqualTo(answers(engine, ts));
                assertThat(carry.state()).isNull();
            }
        } finally {
            source.carryMaxSamples = before;
        }
    }
}
