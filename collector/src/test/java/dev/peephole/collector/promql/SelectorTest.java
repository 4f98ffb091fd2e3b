package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.l;
import static dev.peephole.collector.promql.TestUtil.single;
import static dev.peephole.collector.promql.TestUtil.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SelectorTest {
    private static final long S = 1000;
    private static final long M = 60 * S;

    @Test
    void lookbackSeesLatestSampleWithinFiveMinutes() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m{a=\"1\"}", 0, M, 1, 2); // samples at 0s and 60s
        Engine e = new Engine(src);
        assertEquals(2, single(e, "m", 90 * S));
        assertEquals(1, single(e, "m", 30 * S));
        assertEquals(2, single(e, "m", 60 * S), "sample exactly at t");
        assertEquals(2, single(e, "m", 5 * M + 59 * S), "4m59s old: visible");
        assertTrue(vector(e, "m", 7 * M).isEmpty(), "a sample 6 min old is not seen");
        assertTrue(vector(e, "m", 6 * M).isEmpty(), "lookback is left-open: exactly 5m old is not seen");
        assertTrue(vector(e, "m", -S).isEmpty(), "no sample before t");
        // the sample's timestamp is replaced by the evaluation time
        assertEquals(90 * S, vector(e, "m", 90 * S).get(0).tMs());
        assertEquals(l("m{a=\"1\"}"), vector(e, "m", 90 * S).get(0).labels());
    }

    @Test
    void prometheus2ClosedIntervalsOption() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m", 0, M, 0, 1, 2, 3);
        Engine p3 = new Engine(src);
        Engine p2 = new Engine(src, EngineOptions.defaults().withLeftOpenIntervals(false));
        // lookback: a sample exactly 5m old is visible in Prometheus 2 only
        assertTrue(vector(p3, "m", 8 * M).isEmpty());
        assertEquals(3, single(p2, "m", 8 * M));
        assertTrue(vector(p2, "m", 8 * M + 1).isEmpty());
        // range selectors: [t-2m, t] vs (t-2m, t]
        assertEquals(2, single(p3, "count_over_time(m[2m])", 3 * M));
        assertEquals(3, single(p2, "count_over_time(m[2m])", 3 * M));
        assertEquals(3, p2.instantQuery("m[2m]", 3 * M).matrix().get(0).size());
        src.calls.clear();
        p2.instantQuery("rate(m[2m])", 3 * M);
        assertEquals(M, src.calls.get(0).startMs(), "the select covers the closed lower bound");
    }

    @Test
    void customLookbackDelta() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m", 0, M, 1);
        Engine e = new Engine(src, EngineOptions.defaults().withLookbackDeltaMs(M));
        assertEquals(1, single(e, "m", 59 * S));
        assertTrue(vector(e, "m", 61 * S).isEmpty());
    }

    @Test
    void staleMarkerEndsSeries() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m", 0, M, 1, InMemorySource.STALE, 3);
        Engine e = new Engine(src);
        assertEquals(1, single(e, "m", 30 * S));
        assertTrue(vector(e, "m", 90 * S).isEmpty(), "stale marker hides the older sample");
        assertEquals(3, single(e, "m", 150 * S));
        // stale markers are not samples of a range
        assertEquals(2, single(e, "count_over_time(m[5m])", 150 * S));
    }

    @Test
    void offsets() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m", 0, M, 0, 10, 20, 30);
        Engine e = new Engine(src);
        assertEquals(10, single(e, "m offset 1m", 2 * M));
        assertEquals(0, single(e, "m offset 2m", 2 * M));
        assertEquals(20, single(e, "m offset -1m", M), "negative offset looks ahead");
        assertEquals(20, single(e, "m offset 1m30s", 3 * M + 30 * S));
        // offset in range selectors shifts the window
        assertEquals(2, single(e, "count_over_time(m[2m] offset 1m)", 3 * M));
        assertEquals(20, single(e, "max_over_time(m[2m] offset 1m)", 3 * M));
        // offset keeps the metric name
        assertEquals(l("m"), vector(e, "m offset 1m", 2 * M).get(0).labels());
    }

    @Test
    void atModifier() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m", 0, M, 0, 10, 20, 30);
        Engine e = new Engine(src);
        assertEquals(10, single(e, "m @ 60", 10 * M));
        assertEquals(10, single(e, "m @ 90 offset 30s", 10 * M));
        assertEquals(10, single(e, "m @ 1m30s offset 30", 10 * M), "Prometheus 3: durations and numbers interchange");
        assertEquals(20, single(e, "max_over_time(m[1m] @ 120)", 3 * M));
        QueryResult r = e.rangeQuery("m @ end()", 0, 3 * M, M);
        assertArrayEquals(new double[] {30, 30, 30, 30}, r.matrix().get(0).values());
        r = e.rangeQuery("m @ start()", M, 3 * M, M);
        assertArrayEquals(new double[] {10, 10, 10}, r.matrix().get(0).values());
    }

    @Test
    void rangeSelectorIsLeftOpen() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m{a=\"x\"}", 0, M, 0, 1, 2, 3);
        Engine e = new Engine(src);
        QueryResult r = e.instantQuery("m[2m]", 3 * M);
        assertEquals("matrix", r.resultType());
        Series s = r.matrix().get(0);
        assertArrayEquals(new long[] {2 * M, 3 * M}, s.timestampsMs(), "(t-2m, t]: the sample at t-2m is excluded");
        assertArrayEquals(new double[] {2, 3}, s.values());
        assertEquals(l("m{a=\"x\"}"), s.labels(), "range selectors keep the metric name");
        assertEquals(3, single(e, "count_over_time(m[2m1ms])", 3 * M));
    }

    @Test
    void rangeQueryMatrixTimestamps() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m{a=\"1\"}", 0, M, 0, 1, 2, 3, 4, 5);
        src.addRegular("m{a=\"0\"}", 2 * M, M, 7);
        Engine e = new Engine(src);
        QueryResult r = e.rangeQuery("m", 0, 250 * S, M);
        assertEquals("matrix", r.resultType());
        List<Series> mat = r.matrix();
        assertEquals(2, mat.size());
        // sorted by labels
        assertEquals(l("m{a=\"0\"}"), mat.get(0).labels());
        assertArrayEquals(new long[] {2 * M, 3 * M, 4 * M}, mat.get(0).timestampsMs(),
            "a series appears from its first sample on and stays for the lookback");
        assertArrayEquals(new double[] {7, 7, 7}, mat.get(0).values());
        assertArrayEquals(new long[] {0, M, 2 * M, 3 * M, 4 * M}, mat.get(1).timestampsMs(), "steps stop at <= end");
        assertArrayEquals(new double[] {0, 1, 2, 3, 4}, mat.get(1).values());
    }

    @Test
    void scalarRangeQueryIsMatrixWithEmptyLabels() {
        Engine e = new Engine(new InMemorySource());
        QueryResult r = e.rangeQuery("time() * 2", 0, 2 * M, M);
        assertEquals(1, r.matrix().size());
        assertEquals(Labels.EMPTY, r.matrix().get(0).labels());
        assertArrayEquals(new double[] {0, 120, 240}, r.matrix().get(0).values());
        assertArrayEquals(new long[] {0, M, 2 * M}, r.matrix().get(0).timestampsMs());
    }

    @Test
    void regexAndNegativeMatchers() {
        InMemorySource src = new InMemorySource();
        src.addRegular("up{job=\"api\",env=\"prod\"}", 0, M, 1);
        src.addRegular("up{job=\"db\",env=\"dev\"}", 0, M, 0);
        src.addRegular("up{job=\"cache\"}", 0, M, 1);
        src.addRegular("other{job=\"api\"}", 0, M, 5);
        Engine e = new Engine(src);
        assertEquals(2, vector(e, "up{job=~\"api|db\"}", 0).size());
        assertEquals(1, vector(e, "up{job!~\"api|db\"}", 0).size());
        assertEquals(2, vector(e, "up{env!=\"dev\"}", 0).size(), "absent label matches !=");
        assertEquals(1, vector(e, "up{env=\"\"}", 0).size(), "empty value matches absent label");
        assertEquals(3, vector(e, "{__name__=~\"up|other\", job=~\"a.*|c.*\"}", 0).size());
        assertEquals(0, vector(e, "up{job=~\"ap\"}", 0).size(), "regex is anchored");
    }

    @Test
    void selectsEachSelectorOnceWithHints() {
        InMemorySource src = new InMemorySource();
        src.addRegular("x{job=\"a\"}", 0, 15 * S, new double[200]);
        Engine e = new Engine(src);
        e.rangeQuery("sum by (job) (rate(x[5m]))", 10 * M, 40 * M, M);
        assertEquals(1, src.calls.size());
        SelectHints h = src.calls.get(0);
        assertEquals(new SelectHints(10 * M - 5 * M + 1, 40 * M, M, 5 * M, "rate"), h);

        src.calls.clear();
        e.rangeQuery("x + x", 10 * M, 40 * M, M);
        assertEquals(1, src.calls.size(), "identical selectors share one select");
        assertEquals(new SelectHints(10 * M - 5 * M + 1, 40 * M, M, 0, ""), src.calls.get(0));

        src.calls.clear();
        e.instantQuery("sum(x offset 1h)", 2 * 60 * M);
        assertEquals(new SelectHints(60 * M - 5 * M + 1, 60 * M, 0, 0, "sum"), src.calls.get(0));

        src.calls.clear();
        e.rangeQuery("rate(x[1m]) / rate(x[1m] offset 1m)", 10 * M, 20 * M, M);
        assertEquals(2, src.calls.size());
    }

    @Test
    void subqueries() {
        InMemorySource src = new InMemorySource();
        double[] v = new double[41];
        for (int i = 0; i < v.length; i++) {
            v[i] = i * i;
        }
        src.addRegular("g", 0, M, v);
        Engine e = new Engine(src);
        // inner evaluation at 6m, 7m, ..., 10m (aligned, left-open (5m, 10m])
        assertEquals(100, single(e, "max_over_time(g[5m:1m])", 10 * M));
        assertEquals(36, single(e, "min_over_time(g[5m:1m])", 10 * M));
        assertEquals(5, single(e, "count_over_time(g[5m:1m])", 10 * M));
        assertEquals(3, single(e, "count_over_time(g[5m:2m])", 10 * M), "6m, 8m, 10m");
        assertEquals(64, single(e, "max_over_time(g[5m:1m] offset 2m)", 10 * M));
        assertEquals(5, single(e, "count_over_time(g[5m:])", 10 * M), "default step 1m");
        // subquery over a range function: deriv of g = 2*t/60 per minute ... rate of a quadratic
        double d = single(e, "max_over_time(deriv(g[2m])[4m:1m])", 10 * M);
        assertEquals(19.0 / 60, d, 1e-9);
        QueryResult top = e.instantQuery("g[3m:1m]", 10 * M);
        assertArrayEquals(new long[] {8 * M, 9 * M, 10 * M}, top.matrix().get(0).timestampsMs());
        // range query with a subquery equals instant queries at each step
        QueryResult r = e.rangeQuery("max_over_time(g[5m:1m])", 5 * M, 15 * M, M);
        Series s = r.matrix().get(0);
        for (int i = 0; i < s.size(); i++) {
            assertEquals(single(e, "max_over_time(g[5m:1m])", s.timestampsMs()[i]), s.values()[i]);
        }
    }
}
