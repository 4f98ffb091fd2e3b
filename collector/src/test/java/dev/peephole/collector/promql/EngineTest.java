package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.assertClose;
import static dev.peephole.collector.promql.TestUtil.l;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {
    private static final long S = 1000;
    private static final long M = 60 * S;

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
    void rangeQueryOfRate() {
        Engine e = counter();
        QueryResult r = e.rangeQuery("rate(x_total[1m])", M, 5 * M, M);
        assertEquals("matrix", r.resultType());
        Series s = r.matrix().get(0);
        assertEquals(l("{job=\"a\"}"), s.labels());
        assertArrayEquals(new long[] {M, 2 * M, 3 * M, 4 * M, 5 * M}, s.timestampsMs());
        for (double v : s.values()) {
            assertClose(10.0 / 15, v);
        }
        // after the series ends (20m), rate disappears once the window holds < 2 samples
        QueryResult tail = e.rangeQuery("rate(x_total[1m])", 19 * M, 22 * M, M);
        assertArrayEquals(new long[] {19 * M, 20 * M}, tail.matrix().get(0).timestampsMs());
    }

    @Test
    void resultTypes() {
        Engine e = counter();
        assertEquals("scalar", e.instantQuery("1 + 1", 0).resultType());
        assertEquals(new Point(5, 2), e.instantQuery("1 + 1", 5).scalar());
        assertEquals("string", e.instantQuery("\"hello\"", 0).resultType());
        assertEquals(new StringResult(7, "hello"), e.instantQuery("\"hello\"", 7).string());
        assertEquals("matrix", e.instantQuery("x_total[1m]", M).resultType());
        assertEquals("vector", e.instantQuery("x_total", M).resultType());
        assertThrows(IllegalStateException.class, () -> e.instantQuery("x_total", M).matrix());
    }

    @Test
    void rangeQueryParameterErrors() {
        Engine e = counter();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> e.rangeQuery("x_total[5m]", 0, M, M));
        assertEquals("invalid expression type \"range vector\" for range query, must be Scalar or instant Vector",
            ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.rangeQuery("\"s\"", 0, M, M));
        assertEquals("invalid expression type \"string\" for range query, must be Scalar or instant Vector", ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.rangeQuery("x_total", 0, M, 0));
        assertEquals("zero or negative query resolution step widths are not accepted. Try a positive integer",
            ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.rangeQuery("x_total", M, 0, S));
        assertEquals("end timestamp must not be before start time", ex.getMessage());
        ex = assertThrows(IllegalArgumentException.class, () -> e.rangeQuery("x_total", 0, 11_001 * S, S));
        assertEquals("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
            + "resolution (?step=XX)", ex.getMessage());
        assertThrows(PromQLParseException.class, () -> e.rangeQuery("rate(x_total)", 0, M, S));
    }

    @Test
    void duplicateLabelsetsAreErrors() {
        InMemorySource src = new InMemorySource();
        src.addRegular("a_total{job=\"j\"}", 0, 15 * S, 1, 2, 3);
        src.addRegular("b_total{job=\"j\"}", 0, 15 * S, 1, 2, 3);
        Engine e = new Engine(src);
        PromQLEvalException ex = assertThrows(PromQLEvalException.class,
            () -> e.instantQuery("rate({__name__=~\"a_total|b_total\"}[1m])", 30 * S));
        assertEquals("vector cannot contain metrics with the same labelset", ex.getMessage());
        assertThrows(PromQLEvalException.class, () -> e.instantQuery("abs({__name__=~\".+_total\"})", 30 * S));
        assertEquals(2, e.instantQuery("last_over_time({__name__=~\".+_total\"}[1m])", 30 * S).vector().size(),
            "last_over_time keeps the name");
        assertEquals(2, e.instantQuery("{__name__=~\".+_total\"}", 30 * S).vector().size());
    }

    @Test
    void maxSamplesLimit() {
        InMemorySource src = new InMemorySource();
        for (int i = 0; i < 20; i++) {
            src.addRegular("m{i=\"" + i + "\"}", 0, 15 * S, new double[100]);
        }
        Engine small = new Engine(src, EngineOptions.defaults().withMaxSamples(50));
        PromQLEvalException ex = assertThrows(PromQLEvalException.class, () -> small.rangeQuery("m", 0, 10 * M, M));
        assertEquals("query processing would load too many samples into memory in query execution", ex.getMessage());
        Engine ok = new Engine(src, EngineOptions.defaults().withMaxSamples(1000));
        assertEquals(20, ok.rangeQuery("m", 0, 10 * M, M).matrix().size());
    }

    @Test
    void timeout() {
        SeriesSource slow = (matchers, hints) -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return List.of(new Series(Labels.of("__name__", "m"), new long[] {0}, new double[] {1}));
        };
        Engine e = new Engine(slow, EngineOptions.defaults().withTimeoutMs(10));
        PromQLTimeoutException ex = assertThrows(PromQLTimeoutException.class, () -> e.instantQuery("m", 0));
        assertEquals("query timed out in expression evaluation", ex.getMessage());
        assertEquals(1, new Engine(slow).instantQuery("m", 0).vector().size());
    }

    @Test
    void defensiveAgainstSloppySources() {
        // unsorted samples, a series that does not match, duplicate label sets
        SeriesSource sloppy = (matchers, hints) -> List.of(
            new Series(Labels.of("__name__", "m", "i", "1"), new long[] {60 * S, 0}, new double[] {2, 1}),
            new Series(Labels.of("__name__", "other"), new long[] {0}, new double[] {9}),
            new Series(Labels.of("__name__", "m", "i", "1"), new long[] {30 * S}, new double[] {1.5}));
        Engine e = new Engine(sloppy);
        List<Sample> v = e.instantQuery("m", 45 * S).vector();
        assertEquals(1, v.size());
        assertEquals(1.5, v.get(0).v());
        assertEquals(3, e.instantQuery("count_over_time(m[5m])", 60 * S).vector().get(0).v());
    }

    @Test
    void storageErrorsBecomeEvalErrors() {
        Engine e = new Engine((m, h) -> {
            throw new IllegalStateException("disk on fire");
        });
        PromQLEvalException ex = assertThrows(PromQLEvalException.class, () -> e.instantQuery("up", 0));
        assertEquals("expanding series: disk on fire", ex.getMessage());
        assertEquals(2, e.instantQuery("1 + 1", 0).scalar().v(), "no select for queries without selectors");
    }

    @Test
    void infoForNonCounters() {
        InMemorySource src = new InMemorySource();
        src.addRegular("gauge", 0, 15 * S, 1, 2, 3);
        src.addRegular("c_total", 0, 15 * S, 1, 2, 3);
        Engine e = new Engine(src);
        assertEquals(List.of("PromQL info: metric might not be a counter, name does not end in "
            + "_total/_sum/_count/_bucket: \"gauge\""), e.instantQuery("rate(gauge[1m])", 30 * S).infos());
        assertTrue(e.instantQuery("rate(c_total[1m])", 30 * S).infos().isEmpty());
    }

    @Test
    void rangeQueryPerformance() {
        int seriesCount = 100;
        int samples = 8640; // one day at 10 s
        List<Series> data = new ArrayList<>();
        for (int s = 0; s < seriesCount; s++) {
            long[] t = new long[samples];
            double[] v = new double[samples];
            double acc = 0;
            for (int i = 0; i < samples; i++) {
                acc += (i + s) % 7;
                t[i] = i * 10 * S;
                v[i] = acc;
            }
            data.add(new Series(Labels.of("__name__", "req_total", "job", "j" + (s % 5), "instance", "i" + s), t, v));
        }
        // a storage that hands out its arrays without copying (what a real store can do)
        SeriesSource source = (matchers, hints) -> {
            List<Series> out = new ArrayList<>();
            for (Series x : data) {
                if (matchers.stream().allMatch(m -> m.matches(x.labels()))) {
                    out.add(x);
                }
            }
            return out;
        };
        Engine e = new Engine(source);
        long end = 86_400 * S;
        String[] queries = {"rate(req_total[5m])", "sum by (job) (rate(req_total[5m]))",
            "histogram_quantile(0.9, sum by (le) (rate(req_total[5m])))", "avg_over_time(req_total[10m])",
            "req_total / on(job, instance) req_total offset 1h", "topk(5, rate(req_total[5m]))"};
        for (String q : queries) {
            for (int i = 0; i < 20; i++) {
                e.rangeQuery(q, 0, end, M); // JIT warm-up
            }
            long best = Long.MAX_VALUE;
            QueryResult r = null;
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                r = e.rangeQuery(q, 0, end, M);
                best = Math.min(best, System.nanoTime() - t0);
            }
            System.out.printf("PERF %-60s best %6.2f ms (%d output series; 100 series x 8640 samples, 1441 steps)%n",
                q, best / 1e6, r.matrix().size());
        }
        QueryResult r = e.rangeQuery("sum by (job) (rate(req_total[5m]))", 0, end, M);
        assertEquals(5, r.matrix().size());
        assertEquals(1440, r.matrix().get(0).size(), "no rate at t=0: a single sample in (-5m, 0]");
    }

    @Test
    void concurrentQueries() throws Exception {
        Engine e = counter();
        String q = "predict_linear(x_total[2m], 60)";
        double[] expected = e.rangeQuery(q, 2 * M, 10 * M, 30 * S).matrix().get(0).values();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                try {
                    for (int k = 0; k < 50; k++) {
                        QueryResult r = e.rangeQuery(q, 2 * M, 10 * M, 30 * S);
                        // Every thread must see exactly the single-threaded answer.
                        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, r.matrix().get(0).values());
                    }
                } catch (Throwable t1) {
                    errors.add(t1);
                }
            });
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
