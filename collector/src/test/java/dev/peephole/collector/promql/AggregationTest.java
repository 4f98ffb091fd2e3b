package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.assertClose;
import static dev.peephole.collector.promql.TestUtil.l;
import static dev.peephole.collector.promql.TestUtil.labelsOf;
import static dev.peephole.collector.promql.TestUtil.single;
import static dev.peephole.collector.promql.TestUtil.valueOf;
import static dev.peephole.collector.promql.TestUtil.vector;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AggregationTest {
    private static final long T = 0;

    private static Engine engine() {
        InMemorySource src = new InMemorySource();
        src.addRegular("req{job=\"api\",instance=\"1\",code=\"200\"}", T, 1, 10);
        src.addRegular("req{job=\"api\",instance=\"2\",code=\"200\"}", T, 1, 20);
        src.addRegular("req{job=\"api\",instance=\"1\",code=\"500\"}", T, 1, 3);
        src.addRegular("req{job=\"db\",instance=\"1\",code=\"200\"}", T, 1, 7);
        return new Engine(src);
    }

    @Test
    void sumByWithout() {
        Engine e = engine();
        assertEquals(40, single(e, "sum(req)", T));
        assertEquals(Labels.EMPTY, vector(e, "sum(req)", T).get(0).labels());
        List<Sample> byJob = vector(e, "sum by (job) (req)", T);
        assertEquals(2, byJob.size());
        assertEquals(33, valueOf(byJob, "{job=\"api\"}"));
        assertEquals(7, valueOf(byJob, "{job=\"db\"}"));
        assertEquals(byJob, vector(e, "sum(req) by (job)", T), "by after the body");
        assertEquals(byJob, vector(e, "sum without (instance, code) (req)", T), "without drops the metric name too");
        List<Sample> byCode = vector(e, "sum by (code, job) (req)", T);
        assertEquals(3, byCode.size());
        assertEquals(30, valueOf(byCode, "{job=\"api\",code=\"200\"}"));
        // grouping order follows the first appearance of each group in label order
        assertEquals(List.of(l("{job=\"api\"}"), l("{job=\"db\"}")), labelsOf(byJob));
        // by (__name__) keeps the name
        assertEquals(l("req"), vector(e, "sum by (__name__) (req)", T).get(0).labels());
        assertEquals(4, vector(e, "sum without () (req)", T).size());
        assertTrue(vector(e, "sum(nothing)", T).isEmpty());
    }

    @Test
    void otherAggregations() {
        Engine e = engine();
        List<Sample> avg = vector(e, "avg by (job) (req)", T);
        assertEquals(11, valueOf(avg, "{job=\"api\"}"));
        assertEquals(7, valueOf(avg, "{job=\"db\"}"));
        List<Sample> count = vector(e, "count by (code) (req)", T);
        assertEquals(3, valueOf(count, "{code=\"200\"}"));
        assertEquals(1, valueOf(count, "{code=\"500\"}"));
        assertEquals(3, single(e, "min(req)", T));
        assertEquals(20, single(e, "max(req)", T));
        assertEquals(1, valueOf(vector(e, "group by (job) (req)", T), "{job=\"db\"}"));
        // [10, 20, 3, 7]: mean 10, squared deviations 0 + 100 + 49 + 9 = 158
        assertClose(39.5, single(e, "stdvar(req)", T));
        assertClose(Math.sqrt(39.5), single(e, "stddev(req)", T));
        assertEquals(0, valueOf(vector(e, "stddev by (job) (req)", T), "{job=\"db\"}"));
        // sorted 3, 7, 10, 20
        assertEquals(8.5, single(e, "quantile(0.5, req)", T));
        assertClose(3 + 0.1 * 3 * 4, single(e, "quantile(0.1, req)", T));
        assertEquals(20, single(e, "quantile(1, req)", T));
        assertEquals(Double.NEGATIVE_INFINITY, single(e, "quantile(-1, req)", T));
        assertEquals(1, e.instantQuery("quantile(-1, req)", T).warnings().size());
    }

    @Test
    void topkAndBottomk() {
        Engine e = engine();
        List<Sample> top = vector(e, "topk(2, req)", T);
        assertEquals(2, top.size());
        assertEquals(20, top.get(0).v(), "descending order");
        assertEquals(10, top.get(1).v());
        assertEquals(l("req{job=\"api\",instance=\"2\",code=\"200\"}"), top.get(0).labels(), "topk keeps labels");
        List<Sample> bottom = vector(e, "bottomk(2, req)", T);
        assertEquals(3, bottom.get(0).v(), "ascending order");
        assertEquals(7, bottom.get(1).v());
        List<Sample> perJob = vector(e, "topk by (job) (1, req)", T);
        assertEquals(2, perJob.size());
        assertEquals(20, perJob.get(0).v());
        assertEquals(7, perJob.get(1).v());
        assertEquals(4, vector(e, "topk(10, req)", T).size());
        assertTrue(vector(e, "topk(0, req)", T).isEmpty());
        assertEquals(2, vector(e, "topk(2.9, req)", T).size(), "k is truncated");
        assertEquals(1, vector(e, "topk(scalar(vector(1)), req)", T).size());
        PromQLEvalException ex = assertThrows(PromQLEvalException.class, () -> e.instantQuery("topk(NaN, req)", T));
        assertEquals("Parameter value is NaN", ex.getMessage());
    }

    @Test
    void topkTies() {
        InMemorySource src = new InMemorySource();
        src.addRegular("t{s=\"a\"}", T, 1, 5);
        src.addRegular("t{s=\"b\"}", T, 1, 5);
        src.addRegular("t{s=\"c\"}", T, 1, 5);
        src.addRegular("u{s=\"a\"}", T, 1, 5);
        src.addRegular("u{s=\"b\"}", T, 1, 5);
        src.addRegular("u{s=\"c\"}", T, 1, 7);
        Engine e = new Engine(src);
        // with equal values the series seen first win (input in label order)
        assertEquals(List.of(l("t{s=\"a\"}"), l("t{s=\"b\"}")), labelsOf(vector(e, "topk(2, t)", T)));
        assertEquals(List.of(l("t{s=\"a\"}")), labelsOf(vector(e, "bottomk(1, t)", T)));
        // a larger value evicts the heap's root, as Prometheus' container/heap does: c and b remain (a is evicted)
        assertEquals(List.of(l("u{s=\"c\"}"), l("u{s=\"b\"}")), labelsOf(vector(e, "topk(2, u)", T)));
    }

    @Test
    void topkInRangeQuery() {
        InMemorySource src = new InMemorySource();
        src.addRegular("v{s=\"a\"}", 0, 60_000, 1, 5, 1);
        src.addRegular("v{s=\"b\"}", 0, 60_000, 2, 2, 2);
        Engine e = new Engine(src);
        QueryResult r = e.rangeQuery("topk(1, v)", 0, 120_000, 60_000);
        assertEquals(2, r.matrix().size());
        Series a = r.matrix().get(0);
        Series b = r.matrix().get(1);
        assertEquals(l("v{s=\"a\"}"), a.labels());
        assertArrayEquals(new long[] {60_000}, a.timestampsMs());
        assertArrayEquals(new long[] {0, 120_000}, b.timestampsMs());
    }

    @Test
    void countValues() {
        InMemorySource src = new InMemorySource();
        src.addRegular("ver{i=\"1\",job=\"a\"}", T, 1, 1);
        src.addRegular("ver{i=\"2\",job=\"a\"}", T, 1, 1);
        src.addRegular("ver{i=\"3\",job=\"b\"}", T, 1, 2.5);
        Engine e = new Engine(src);
        List<Sample> r = vector(e, "count_values(\"version\", ver)", T);
        assertEquals(2, valueOf(r, "{version=\"1\"}"));
        assertEquals(1, valueOf(r, "{version=\"2.5\"}"));
        List<Sample> byJob = vector(e, "count_values by (job) (\"version\", ver)", T);
        assertEquals(2, valueOf(byJob, "{job=\"a\",version=\"1\"}"));
        assertEquals(3, vector(e, "count_values without (i) (\"v\", ver)", T).size() + 1);
        assertThrows(PromQLEvalException.class, () -> e.instantQuery("count_values(\"a-b\", ver)", T));
    }

    @Test
    void precision() {
        InMemorySource src = new InMemorySource();
        src.addRegular("p{i=\"1\"}", T, 1, 1e100);
        src.addRegular("p{i=\"2\"}", T, 1, 1);
        src.addRegular("p{i=\"3\"}", T, 1, -1e100);
        src.addRegular("big{i=\"1\"}", T, 1, 1e308);
        src.addRegular("big{i=\"2\"}", T, 1, 1e308);
        Engine e = new Engine(src);
        assertEquals(1, single(e, "sum(p)", T), "Kahan summation as in Prometheus");
        assertClose(1e308, single(e, "avg(big)", T));
        assertEquals(Double.POSITIVE_INFINITY, single(e, "sum(big)", T));
    }

    @Test
    void nanHandling() {
        InMemorySource src = new InMemorySource();
        src.addRegular("n{i=\"1\"}", T, 1, Double.NaN);
        src.addRegular("n{i=\"2\"}", T, 1, 4);
        Engine e = new Engine(src);
        assertEquals(4, single(e, "max(n)", T), "a NaN is replaced by any number in max");
        assertEquals(4, single(e, "min(n)", T));
        assertTrue(Double.isNaN(single(e, "sum(n)", T)));
        assertTrue(Double.isNaN(single(e, "stddev(n)", T)));
        assertEquals(2, single(e, "count(n)", T));
    }
}
