package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.assertClose;
import static dev.peephole.collector.promql.TestUtil.l;
import static dev.peephole.collector.promql.TestUtil.single;
import static dev.peephole.collector.promql.TestUtil.vector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RangeFunctionsTest {
    private static final long S = 1000;
    private static final long M = 60 * S;

    /** Counter 0, 10, 20, ... every 15 s from t=0. */
    private static Engine counter() {
        InMemorySource src = new InMemorySource();
        double[] v = new double[81];
        for (int i = 0; i < v.length; i++) {
            v[i] = 10 * i;
        }
        src.addRegular("x_total{job=\"a\"}", 0, 15 * S, v);
        return new Engine(src);
    }

    @Test
    void rateOfRegularCounter() {
        Engine e = counter();
        // window (4m, 5m]: samples at 4m15 .. 5m (4 samples, 170..200). Extrapolated to the window start.
        assertClose(10.0 / 15, single(e, "rate(x_total[1m])", 5 * M));
        assertClose(40, single(e, "increase(x_total[1m])", 5 * M));
        assertClose(10.0 / 15, single(e, "rate(x_total[5m])", 10 * M));
        assertClose(10.0 / 15, single(e, "irate(x_total[1m])", 5 * M));
        assertClose(10, single(e, "idelta(x_total[1m])", 5 * M));
        assertClose(40, single(e, "delta(x_total[1m])", 5 * M));
        // the metric name is dropped, other labels kept
        assertEquals(l("{job=\"a\"}"), vector(e, "rate(x_total[1m])", 5 * M).get(0).labels());
        // misaligned evaluation time: window (3m50s, 4m50s] has samples 4m..4m45 (160..190)
        // durationToStart = 10s, durationToEnd = 5s, sampled 45s -> 30 * (60/45) / 60
        assertClose(30 * (60.0 / 45) / 60, single(e, "rate(x_total[1m])", 4 * M + 50 * S));
    }

    @Test
    void counterReset() {
        InMemorySource src = new InMemorySource();
        src.addRegular("c_total", 0, 15 * S, 0, 10, 20, 30, 5, 15);
        Engine e = new Engine(src);
        // window (15s, 75s]: 20@30, 30@45, 5@60, 15@75 -> 15 - 20 + 30 (reset) = 25, extrapolated by 60/45
        assertClose(25 * 60.0 / 45, single(e, "increase(c_total[1m])", 75 * S));
        assertClose(25 * 60.0 / 45 / 60, single(e, "rate(c_total[1m])", 75 * S));
        // delta does not correct resets: 15 - 20 = -5
        assertClose(-5 * 60.0 / 45, single(e, "delta(c_total[1m])", 75 * S));
        assertEquals(1, single(e, "resets(c_total[1m])", 75 * S));
        // irate on a reset uses the last value: 5 / 15s
        assertClose(5.0 / 15, single(e, "irate(c_total[1m])", 60 * S));
        assertClose(-25, single(e, "idelta(c_total[1m])", 60 * S));
    }

    @Test
    void increaseExtrapolationAtSeriesEdges() {
        InMemorySource src = new InMemorySource();
        // series starts inside the window: 5@130s, 15@145s, 25@160s
        src.addRegular("late_total", 130 * S, 15 * S, 5, 15, 25);
        Engine e = new Engine(src);
        // window (120s, 180s]: result 20 over 30s, avg interval 15s (threshold 16.5s).
        // start: 10s to the boundary, but the zero point is 30 * 5/20 = 7.5s away -> 7.5s.
        // end: 20s >= 16.5s -> only half an interval, 7.5s. 20 * (30 + 7.5 + 7.5) / 30 = 30
        assertClose(30, single(e, "increase(late_total[1m])", 180 * S));
        assertClose(0.5, single(e, "rate(late_total[1m])", 180 * S));
        // delta (no zero clamp): start 10s (< 16.5s), end 7.5s -> 20 * 47.5 / 30
        assertClose(20 * 47.5 / 30, single(e, "delta(late_total[1m])", 180 * S));
    }

    @Test
    void counterZeroPointClamp() {
        InMemorySource src = new InMemorySource();
        // a counter that starts at 1 with a slope of 10 per 10s: extrapolating 10s back would go negative
        src.add(Labels.of("__name__", "z_total"), new long[] {60 * S, 70 * S, 80 * S}, new double[] {1, 11, 21});
        Engine e = new Engine(src);
        // window (50s, 110s]: durationToStart = 10s, durationToZero = 20 * 1/20 = 1s -> 1s;
        // durationToEnd = 30s >= 11s -> 5s. increase = 20 * (20 + 1 + 5) / 20 = 26
        assertClose(26, single(e, "increase(z_total[1m])", 110 * S));
    }

    @Test
    void notEnoughSamples() {
        InMemorySource src = new InMemorySource();
        src.addRegular("one_total", 0, M, 5);
        Engine e = new Engine(src);
        assertTrue(vector(e, "rate(one_total[5m])", M).isEmpty());
        assertTrue(vector(e, "irate(one_total[5m])", M).isEmpty());
        assertTrue(vector(e, "deriv(one_total[5m])", M).isEmpty());
        assertEquals(1, single(e, "count_over_time(one_total[5m])", M));
        assertTrue(vector(e, "count_over_time(one_total[5m])", 10 * M).isEmpty(), "empty window -> no output");
    }

    @Test
    void gaugeFunctions() {
        InMemorySource src = new InMemorySource();
        src.addRegular("g", 15 * S, 15 * S, 1, 5, 3, 7); // at 15s, 30s, 45s, 60s
        Engine e = new Engine(src);
        long t = 60 * S; // window (0, 60s] holds all four samples
        assertEquals(4, single(e, "avg_over_time(g[1m])", t));
        assertEquals(1, single(e, "min_over_time(g[1m])", t));
        assertEquals(7, single(e, "max_over_time(g[1m])", t));
        assertEquals(16, single(e, "sum_over_time(g[1m])", t));
        assertEquals(4, single(e, "count_over_time(g[1m])", t));
        assertEquals(7, single(e, "last_over_time(g[1m])", t));
        assertEquals(4, single(e, "quantile_over_time(0.5, g[1m])", t));
        assertClose(6.4, single(e, "quantile_over_time(0.9, g[1m])", t));
        assertEquals(Double.POSITIVE_INFINITY, single(e, "quantile_over_time(1.5, g[1m])", t));
        assertEquals(5, single(e, "stdvar_over_time(g[1m])", t));
        assertClose(Math.sqrt(5), single(e, "stddev_over_time(g[1m])", t));
        assertEquals(1, single(e, "present_over_time(g[1m])", t));
        assertEquals(3, single(e, "changes(g[1m])", t));
        assertEquals(1, single(e, "resets(g[1m])", t));
        assertClose(4, single(e, "idelta(g[1m])", t));
        // last_over_time keeps the metric name, the others drop it
        assertEquals(l("g"), vector(e, "last_over_time(g[1m])", t).get(0).labels());
        assertEquals(Labels.EMPTY, vector(e, "max_over_time(g[1m])", t).get(0).labels());
        // quantile_over_time warns about an invalid quantile
        QueryResult r = e.instantQuery("quantile_over_time(2, g[1m])", t);
        assertEquals(1, r.warnings().size());
    }

    @Test
    void derivAndPredictLinear() {
        InMemorySource src = new InMemorySource();
        src.addRegular("lin", 0, 15 * S, 0, 30, 60, 90); // y = 2 * t[s]
        src.add(Labels.of("__name__", "noisy"), new long[] {0, 10 * S, 20 * S}, new double[] {1, 2, 4});
        src.addRegular("flat", 0, 15 * S, 3, 3, 3);
        Engine e = new Engine(src);
        assertClose(2, single(e, "deriv(lin[1m])", 45 * S));
        // least squares through (0,1), (10,2), (20,4): slope 30 / 200
        assertClose(0.15, single(e, "deriv(noisy[1m])", 20 * S));
        // predict_linear is relative to the evaluation time: at 45s the line is at 90, +60s -> 210
        assertClose(210, single(e, "predict_linear(lin[1m], 60)", 45 * S));
        // at 60s the window (0, 60s] holds 15s..45s; the intercept is taken at t=60s (120) -> 240
        assertClose(240, single(e, "predict_linear(lin[1m], 60)", 60 * S));
        assertEquals(0, single(e, "deriv(flat[1m])", 30 * S));
        assertEquals(3, single(e, "predict_linear(flat[1m], 3600)", 30 * S));
    }

    @Test
    void avgOverTimeSwitchesToIncrementalMeanOnOverflow() {
        InMemorySource src = new InMemorySource();
        src.addRegular("big", 0, 15 * S, 1e308, 1e308, 1e308);
        Engine e = new Engine(src);
        assertClose(1e308, single(e, "avg_over_time(big[1m])", 30 * S));
        assertEquals(Double.POSITIVE_INFINITY, single(e, "sum_over_time(big[1m])", 30 * S));
    }

    @Test
    void kahanSummation() {
        InMemorySource src = new InMemorySource();
        src.addRegular("k", 0, 15 * S, 1e100, 1, -1e100);
        Engine e = new Engine(src);
        assertEquals(1, single(e, "sum_over_time(k[1m])", 30 * S), "naive summation would give 0");
    }

    @Test
    void rangeQueryMatchesInstantQueries() {
        InMemorySource src = new InMemorySource();
        double[] v = new double[400];
        double acc = 0;
        for (int i = 0; i < v.length; i++) {
            acc += (i * 7919) % 13;
            v[i] = i % 97 == 50 ? acc / 3 : acc; // a few counter resets
        }
        src.addRegular("r_total{i=\"1\"}", 7 * S, 10 * S, v);
        src.addRegular("r_total{i=\"2\"}", 3 * S, 25 * S, java.util.Arrays.copyOf(v, 150));
        Engine e = new Engine(src);
        String[] qs = {"rate(r_total[1m])", "increase(r_total[2m])", "irate(r_total[45s])", "deriv(r_total[3m])",
            "predict_linear(r_total[3m], 120)", "avg_over_time(r_total[90s] offset 30s)", "resets(r_total[5m])",
            "quantile_over_time(0.3, r_total[2m])", "stddev_over_time(r_total[2m])", "r_total", "r_total offset 1m"};
        for (String q : qs) {
            QueryResult r = e.rangeQuery(q, 0, 3600 * S, 37 * S);
            for (Series s : r.matrix()) {
                for (int i = 0; i < s.size(); i++) {
                    long t = s.timestampsMs()[i];
                    double expected = TestUtil.valueOf(vector(e, q, t), s.labels().toString().replace(", ", ","));
                    assertEquals(expected, s.values()[i], 0, q + " @ " + t);
                }
            }
            // every instant result also shows up in the range result
            for (long t = 0; t <= 3600 * S; t += 37 * S * 10) {
                assertEquals(vector(e, q, t).size(), countAt(r, t), q + " @ " + t);
            }
        }
    }

    private static int countAt(QueryResult r, long t) {
        int c = 0;
        for (Series s : r.matrix()) {
            for (long x : s.timestampsMs()) {
                if (x == t) {
                    c++;
                }
            }
        }
        return c;
    }
}
