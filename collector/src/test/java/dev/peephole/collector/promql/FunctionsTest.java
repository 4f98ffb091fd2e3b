package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.assertClose;
import static dev.peephole.collector.promql.TestUtil.l;
import static dev.peephole.collector.promql.TestUtil.labelsOf;
import static dev.peephole.collector.promql.TestUtil.single;
import static dev.peephole.collector.promql.TestUtil.valueOf;
import static dev.peephole.collector.promql.TestUtil.vector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionsTest {
    private static final long T = 0;
    private static final long S = 1000;

    private static void bucket(InMemorySource src, String job, String le, double v) {
        src.addRegular("h_bucket{job=\"" + job + "\",le=\"" + le + "\"}", T, 1, v);
    }

    private static Engine histogram() {
        InMemorySource src = new InMemorySource();
        // cumulative buckets: 10 obs <= 0.1, 30 <= 0.5, 40 <= 1, 50 in total
        bucket(src, "a", "0.1", 10);
        bucket(src, "a", "0.5", 30);
        bucket(src, "a", "1", 40);
        bucket(src, "a", "+Inf", 50);
        // non-monotonic buckets (le=0.5 < le=0.1) get fixed; "Inf" spelled differently
        bucket(src, "b", "0.1", 10);
        bucket(src, "b", "0.5", 8);
        bucket(src, "b", "Inf", 40);
        // no +Inf bucket
        bucket(src, "c", "0.1", 1);
        bucket(src, "c", "1", 2);
        // zero observations
        bucket(src, "d", "1", 0);
        bucket(src, "d", "+Inf", 0);
        // only the +Inf bucket
        bucket(src, "e", "+Inf", 5);
        // negative upper bound of the first bucket
        bucket(src, "f", "-1", 5);
        bucket(src, "f", "1", 10);
        bucket(src, "f", "+Inf", 10);
        return new Engine(src);
    }

    @Test
    void histogramQuantile() {
        Engine e = histogram();
        List<Sample> r = vector(e, "histogram_quantile(0.5, h_bucket)", T);
        // rank 25 falls into (0.1, 0.5]: 0.1 + 0.4 * (25 - 10) / 20
        assertClose(0.4, valueOf(r, "{job=\"a\"}"));
        // b: forced monotonic -> counts 10, 10, 40; rank 20 falls into +Inf -> upper bound of the previous bucket
        assertEquals(0.5, valueOf(r, "{job=\"b\"}"));
        assertTrue(Double.isNaN(valueOf(r, "{job=\"c\"}")), "no +Inf bucket");
        assertTrue(Double.isNaN(valueOf(r, "{job=\"d\"}")), "no observations");
        assertTrue(Double.isNaN(valueOf(r, "{job=\"e\"}")), "fewer than two buckets");
        assertEquals(-1, valueOf(vector(e, "histogram_quantile(0.2, h_bucket{job=\"f\"})", T), "{job=\"f\"}"),
            "lowest bucket with upper bound <= 0 returns that bound");
        assertEquals(0, valueOf(vector(e, "histogram_quantile(0.75, h_bucket{job=\"f\"})", T), "{job=\"f\"}"),
            "interpolates from -1 to 1");
        // labels: without le and without the metric name
        assertEquals(l("{job=\"a\"}"), vector(e, "histogram_quantile(0.5, h_bucket{job=\"a\"})", T).get(0).labels());

        assertEquals(1, single(e, "histogram_quantile(0.9, h_bucket{job=\"a\"})", T), "falls into +Inf");
        assertClose(0.025, single(e, "histogram_quantile(0.05, h_bucket{job=\"a\"})", T));
        assertEquals(0, single(e, "histogram_quantile(0, h_bucket{job=\"a\"})", T));
        assertEquals(1, single(e, "histogram_quantile(1, h_bucket{job=\"a\"})", T));
        assertEquals(Double.POSITIVE_INFINITY, single(e, "histogram_quantile(1.5, h_bucket{job=\"a\"})", T));
        assertEquals(Double.NEGATIVE_INFINITY, single(e, "histogram_quantile(-0.5, h_bucket{job=\"a\"})", T));
        assertTrue(Double.isNaN(single(e, "histogram_quantile(NaN, h_bucket{job=\"a\"})", T)));
        assertEquals(1, e.instantQuery("histogram_quantile(1.5, h_bucket{job=\"a\"})", T).warnings().size());
        // aggregated across jobs by le: 0.1 -> 20, 0.5 -> 38, "+Inf" -> 50 and "Inf" -> 40 (coalesced: 90)
        String agg = "sum by (le) (h_bucket{job=~\"a|b\",le=~\"0.1|0.5|\\\\+?Inf\"})";
        assertEquals(4, vector(e, agg, T).size());
        assertClose(0.1 + 0.4 * (27 - 20) / 18.0, single(e, "histogram_quantile(0.3, " + agg + ")", T));
        assertEquals(0.5, single(e, "histogram_quantile(0.5, " + agg + ")", T));
    }

    @Test
    void histogramQuantileOverRates() {
        InMemorySource src = new InMemorySource();
        src.addRegular("lat_bucket{le=\"0.5\"}", 0, 15 * S, 0, 15, 30, 45, 60);
        src.addRegular("lat_bucket{le=\"1\"}", 0, 15 * S, 0, 20, 40, 60, 80);
        src.addRegular("lat_bucket{le=\"+Inf\"}", 0, 15 * S, 0, 20, 40, 60, 80);
        Engine e = new Engine(src);
        // all rates are proportional: rank 0.5*80 = 40 in (0.5, 1] over 20 -> 0.5 + 0.5 * (40 - 60) ...
        // 0.5 quantile: rank 0.5 * r(+Inf); r(0.5) = 0.75 r(+Inf) >= rank -> first bucket: 0.5 * (0.5 / 0.75)
        assertClose(0.5 * (0.5 / 0.75), single(e, "histogram_quantile(0.5, sum by (le) (rate(lat_bucket[1m])))", 60 * S));
        assertClose(0.5 + 0.5 * (0.9 - 0.75) / 0.25, single(e, "histogram_quantile(0.9, rate(lat_bucket[1m]))", 60 * S));
    }

    @Test
    void mathFunctions() {
        InMemorySource src = new InMemorySource();
        src.addRegular("v{i=\"1\"}", T, 1, -2.5);
        src.addRegular("v{i=\"2\"}", T, 1, 2.5);
        src.addRegular("p{i=\"1\"}", T, 1, 8);
        src.addRegular("p{i=\"2\"}", T, 1, 1000);
        Engine e = new Engine(src);
        assertEquals(2.5, valueOf(vector(e, "abs(v)", T), "{i=\"1\"}"));
        assertEquals(-2, valueOf(vector(e, "ceil(v)", T), "{i=\"1\"}"));
        assertEquals(-3, valueOf(vector(e, "floor(v)", T), "{i=\"1\"}"));
        assertEquals(-2, valueOf(vector(e, "round(v)", T), "{i=\"1\"}"), "ties round up");
        assertEquals(3, valueOf(vector(e, "round(v)", T), "{i=\"2\"}"));
        assertEquals(2.5, valueOf(vector(e, "round(v, 0.5)", T), "{i=\"2\"}"));
        assertEquals(0, valueOf(vector(e, "round(v, 10)", T), "{i=\"2\"}"));
        assertEquals(3, valueOf(vector(e, "log2(p)", T), "{i=\"1\"}"));
        assertEquals(3, valueOf(vector(e, "log10(p)", T), "{i=\"2\"}"));
        assertClose(Math.log(8), valueOf(vector(e, "ln(p)", T), "{i=\"1\"}"));
        assertClose(Math.exp(-2.5), valueOf(vector(e, "exp(v)", T), "{i=\"1\"}"));
        assertClose(Math.sqrt(8), valueOf(vector(e, "sqrt(p)", T), "{i=\"1\"}"));
        assertTrue(Double.isNaN(valueOf(vector(e, "sqrt(v)", T), "{i=\"1\"}")));
        assertEquals(-1, valueOf(vector(e, "sgn(v)", T), "{i=\"1\"}"));
        assertEquals(List.of(l("{i=\"1\"}"), l("{i=\"2\"}")), labelsOf(vector(e, "abs(v)", T)), "name dropped");
    }

    @Test
    void clamp() {
        InMemorySource src = new InMemorySource();
        src.addRegular("v{i=\"1\"}", T, 1, -5);
        src.addRegular("v{i=\"2\"}", T, 1, 5);
        src.addRegular("v{i=\"3\"}", T, 1, 50);
        Engine e = new Engine(src);
        List<Sample> c = vector(e, "clamp(v, 0, 10)", T);
        assertEquals(0, valueOf(c, "{i=\"1\"}"));
        assertEquals(5, valueOf(c, "{i=\"2\"}"));
        assertEquals(10, valueOf(c, "{i=\"3\"}"));
        assertEquals(0, valueOf(vector(e, "clamp_min(v, 0)", T), "{i=\"1\"}"));
        assertEquals(10, valueOf(vector(e, "clamp_max(v, 10)", T), "{i=\"3\"}"));
        assertTrue(vector(e, "clamp(v, 10, 0)", T).isEmpty(), "min > max gives nothing");
    }

    @Test
    void scalarVectorTime() {
        InMemorySource src = new InMemorySource();
        src.addRegular("one", T, 1, 42);
        src.addRegular("two{i=\"1\"}", T, 1, 1);
        src.addRegular("two{i=\"2\"}", T, 1, 2);
        Engine e = new Engine(src);
        assertEquals(42, TestUtil.scalar(e, "scalar(one)", T));
        assertTrue(Double.isNaN(TestUtil.scalar(e, "scalar(two)", T)));
        assertTrue(Double.isNaN(TestUtil.scalar(e, "scalar(nothing)", T)));
        List<Sample> v = vector(e, "vector(3)", T);
        assertEquals(Labels.EMPTY, v.get(0).labels());
        assertEquals(3, v.get(0).v());
        assertEquals(1234.5, TestUtil.scalar(e, "time()", 1_234_500));
        assertEquals(Math.PI, TestUtil.scalar(e, "pi()", T));
        assertEquals(1234.5, single(e, "vector(time())", 1_234_500));
    }

    @Test
    void timestamp() {
        InMemorySource src = new InMemorySource();
        src.addRegular("m{i=\"1\"}", 10 * S, 1, 7);
        Engine e = new Engine(src);
        List<Sample> r = vector(e, "timestamp(m)", 70 * S);
        assertEquals(10, r.get(0).v(), "the sample's own timestamp");
        assertEquals(l("{i=\"1\"}"), r.get(0).labels());
        assertEquals(10, single(e, "timestamp((m))", 70 * S), "parentheses around arguments are ignored");
        assertEquals(10, single(e, "timestamp(m offset 30s)", 70 * S));
        assertEquals(70, single(e, "timestamp(m + 0)", 70 * S), "evaluation time for computed vectors");
        assertEquals(70, single(e, "timestamp(vector(1))", 70 * S));
    }

    @Test
    void absent() {
        InMemorySource src = new InMemorySource();
        src.addRegular("up{job=\"x\"}", T, 1, 1);
        Engine e = new Engine(src);
        assertTrue(vector(e, "absent(up)", T).isEmpty());
        List<Sample> r = vector(e, "absent(nonexistent{job=\"x\", instance=~\"a.*\", env=\"prod\"})", T);
        assertEquals(List.of(l("{env=\"prod\",job=\"x\"}")), labelsOf(r), "labels from equality matchers");
        assertEquals(1, r.get(0).v());
        assertEquals(l("{}"), vector(e, "absent(nonexistent{job=\"a\",job=\"b\"})", T).get(0).labels(),
            "conflicting equality matchers drop the label");
        assertEquals(Labels.EMPTY, vector(e, "absent(sum(nonexistent))", T).get(0).labels());
        assertEquals(l("{job=\"x\"}"), vector(e, "absent((nonexistent{job=\"x\"}))", T).get(0).labels());
        assertEquals(List.of(l("{job=\"y\"}")), labelsOf(vector(e, "absent_over_time(up{job=\"y\"}[5m])", T)));
        assertTrue(vector(e, "absent_over_time(up[5m])", T).isEmpty());
        QueryResult range = e.rangeQuery("absent(up)", 0, 600 * S, 60 * S);
        assertEquals(6, range.matrix().get(0).size(), "absent from 300s on: the sample left the lookback window");
        assertEquals(300 * S, range.matrix().get(0).timestampsMs()[0]);
    }

    @Test
    void sortOrders() {
        InMemorySource src = new InMemorySource();
        src.addRegular("s{i=\"a\"}", T, 1, 3);
        src.addRegular("s{i=\"b\"}", T, 1, Double.NaN);
        src.addRegular("s{i=\"c\"}", T, 1, 1);
        src.addRegular("s{i=\"d\"}", T, 1, 2);
        Engine e = new Engine(src);
        assertEquals(List.of(l("s{i=\"c\"}"), l("s{i=\"d\"}"), l("s{i=\"a\"}"), l("s{i=\"b\"}")),
            labelsOf(vector(e, "sort(s)", T)), "ascending, NaN last, name kept");
        assertEquals(List.of(l("s{i=\"a\"}"), l("s{i=\"d\"}"), l("s{i=\"c\"}"), l("s{i=\"b\"}")),
            labelsOf(vector(e, "sort_desc(s)", T)), "descending, NaN last");
    }

    @Test
    void labelReplaceAndJoin() {
        InMemorySource src = new InMemorySource();
        src.addRegular("up{job=\"api-server\",instance=\"host:9090\"}", T, 1, 1);
        Engine e = new Engine(src);
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\",host=\"host\"}"),
            vector(e, "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")", T).get(0).labels());
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\",x=\"server-api\"}"),
            vector(e, "label_replace(up, \"x\", \"${2}-$1\", \"job\", \"(\\\\w+)-(\\\\w+)\")", T).get(0).labels());
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\"}"),
            vector(e, "label_replace(up, \"host\", \"$1\", \"instance\", \"nomatch(.*)\")", T).get(0).labels(),
            "no match: unchanged");
        assertEquals(l("up{instance=\"host:9090\"}"),
            vector(e, "label_replace(up, \"job\", \"\", \"job\", \".*\")", T).get(0).labels(), "empty value deletes");
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\",y=\"\"}"),
            vector(e, "label_replace(up, \"y\", \"$1x\", \"job\", \"(.*)\")", T).get(0).labels(),
            "$1x is the (missing) group named 1x, as in Go");
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\",z=\"$api-server\"}"),
            vector(e, "label_replace(up, \"z\", \"$$$1\", \"job\", \"(.*)\")", T).get(0).labels());
        assertEquals(l("up{job=\"api-server\",instance=\"host:9090\",j=\"api-server/host:9090\"}"),
            vector(e, "label_join(up, \"j\", \"/\", \"job\", \"instance\")", T).get(0).labels());
        assertThrows(PromQLEvalException.class,
            () -> e.instantQuery("label_replace(up, \"a-b\", \"$1\", \"job\", \"(.*)\")", T));
        assertThrows(PromQLEvalException.class,
            () -> e.instantQuery("label_replace(up, \"a\", \"$1\", \"job\", \"(.*\")", T));
    }

    @Test
    void dateFunctions() {
        Engine e = new Engine(new InMemorySource());
        long t = 1_700_000_000_000L; // 2023-11-14T22:13:20Z, a Tuesday
        assertEquals(22, single(e, "hour()", t));
        assertEquals(13, single(e, "minute()", t));
        assertEquals(11, single(e, "month()", t));
        assertEquals(2023, single(e, "year()", t));
        assertEquals(14, single(e, "day_of_month()", t));
        assertEquals(2, single(e, "day_of_week()", t));
        assertEquals(318, single(e, "day_of_year()", t));
        assertEquals(30, single(e, "days_in_month()", t));
        assertEquals(29, single(e, "days_in_month(vector(951782400))", t), "Feb 2000");
    }
}
