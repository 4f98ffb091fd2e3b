package dev.peephole.collector.promql;

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

class BinaryOpTest {
    private static final long T = 0;

    private static Engine engine() {
        InMemorySource src = new InMemorySource();
        src.addRegular("a{job=\"x\",instance=\"1\"}", T, 1, 10);
        src.addRegular("a{job=\"x\",instance=\"2\"}", T, 1, 20);
        src.addRegular("b{job=\"x\",instance=\"1\"}", T, 1, 2);
        src.addRegular("b{job=\"x\",instance=\"2\"}", T, 1, 4);
        src.addRegular("c{job=\"x\"}", T, 1, 5);
        src.addRegular("d{instance=\"1\",role=\"r1\"}", T, 1, 1);
        return new Engine(src);
    }

    @Test
    void vectorScalarArithmetic() {
        Engine e = engine();
        List<Sample> r = vector(e, "a * 2", T);
        assertEquals(20, valueOf(r, "{job=\"x\",instance=\"1\"}"), "arithmetic drops the metric name");
        assertEquals(40, valueOf(r, "{job=\"x\",instance=\"2\"}"));
        assertEquals(-8, valueOf(vector(e, "2 - a", T), "{job=\"x\",instance=\"1\"}"));
        assertEquals(100, valueOf(vector(e, "a ^ 2", T), "{job=\"x\",instance=\"1\"}"));
        assertEquals(1, valueOf(vector(e, "a % 3", T), "{job=\"x\",instance=\"1\"}"));
        assertEquals(0.5, valueOf(vector(e, "5 / a", T), "{job=\"x\",instance=\"1\"}"));
        assertEquals(-10, valueOf(vector(e, "-a", T), "{job=\"x\",instance=\"1\"}"), "unary minus drops the name");
        assertEquals(l("a{job=\"x\",instance=\"1\"}"), vector(e, "+a", T).get(0).labels(), "unary plus is a no-op");
        assertEquals(14, valueOf(vector(e, "a + b * 2", T), "{job=\"x\",instance=\"1\"}"));
        assertEquals(Double.POSITIVE_INFINITY, valueOf(vector(e, "a / 0", T), "{job=\"x\",instance=\"1\"}"));
    }

    @Test
    void comparisonsFilterOrReturnBool() {
        Engine e = engine();
        List<Sample> gt = vector(e, "a > 15", T);
        assertEquals(1, gt.size());
        assertEquals(l("a{job=\"x\",instance=\"2\"}"), gt.get(0).labels(), "filtering comparisons keep the name");
        assertEquals(20, gt.get(0).v());
        List<Sample> swapped = vector(e, "15 < a", T);
        assertEquals(1, swapped.size());
        assertEquals(20, swapped.get(0).v(), "the vector value is kept when the scalar is on the left");
        List<Sample> bool = vector(e, "a > bool 15", T);
        assertEquals(2, bool.size());
        assertEquals(0, valueOf(bool, "{job=\"x\",instance=\"1\"}"), "bool drops the name");
        assertEquals(1, valueOf(bool, "{job=\"x\",instance=\"2\"}"));
        List<Sample> vv = vector(e, "a > b", T);
        assertEquals(2, vv.size());
        assertEquals(10, valueOf(vv, "a{job=\"x\",instance=\"1\"}"), "lhs value and labels");
        List<Sample> vvb = vector(e, "a == bool b", T);
        assertEquals(0, valueOf(vvb, "{job=\"x\",instance=\"1\"}"));
        assertTrue(vector(e, "a < b", T).isEmpty());
        assertEquals(1, valueOf(vector(e, "a != bool 10", T), "{job=\"x\",instance=\"2\"}"));
        assertEquals(2, vector(e, "a >= 10", T).size());
        assertEquals(1, vector(e, "a <= 10", T).size());
        assertEquals(1, vector(e, "a == 10", T).size());
    }

    @Test
    void oneToOneMatching() {
        Engine e = engine();
        List<Sample> div = vector(e, "a / b", T);
        assertEquals(2, div.size());
        assertEquals(5, valueOf(div, "{job=\"x\",instance=\"1\"}"));
        assertEquals(5, valueOf(div, "{job=\"x\",instance=\"2\"}"));
        // on(): the result only keeps the matching labels
        List<Sample> on = vector(e, "a - on(instance) b", T);
        assertEquals(8, valueOf(on, "{instance=\"1\"}"));
        assertEquals(16, valueOf(on, "{instance=\"2\"}"));
        // ignoring(): matching labels are removed from the result
        List<Sample> ign = vector(e, "a - ignoring(job) b", T);
        assertEquals(8, valueOf(ign, "{instance=\"1\"}"));
        // series without a match are dropped
        assertEquals(1, vector(e, "a * on(instance) d", T).size());
        assertTrue(vector(e, "a + c", T).isEmpty(), "different label sets do not match");
    }

    @Test
    void groupLeftAndGroupRight() {
        Engine e = engine();
        List<Sample> gl = vector(e, "a + on(job) group_left c", T);
        assertEquals(2, gl.size());
        assertEquals(15, valueOf(gl, "{job=\"x\",instance=\"1\"}"));
        assertEquals(25, valueOf(gl, "{job=\"x\",instance=\"2\"}"));
        List<Sample> ig = vector(e, "a / ignoring(instance) group_left c", T);
        assertEquals(2, valueOf(ig, "{job=\"x\",instance=\"1\"}"));
        assertEquals(4, valueOf(ig, "{job=\"x\",instance=\"2\"}"));
        List<Sample> gr = vector(e, "c - on(job) group_right a", T);
        assertEquals(-5, valueOf(gr, "{job=\"x\",instance=\"1\"}"), "lhs value, labels from the many side");
        assertEquals(-15, valueOf(gr, "{job=\"x\",instance=\"2\"}"));
        // group_left(labels) copies labels from the one side
        List<Sample> info = vector(e, "a * on(instance) group_left(role) d", T);
        assertEquals(List.of(l("{instance=\"1\",job=\"x\",role=\"r1\"}")), labelsOf(info));
        assertEquals(10, info.get(0).v());
        // comparison with group_left keeps the lhs name
        List<Sample> cmp = vector(e, "a > on(job) group_left c", T);
        assertEquals(2, cmp.size());
        assertEquals(l("a{job=\"x\",instance=\"1\"}"), cmp.get(0).labels());
    }

    @Test
    void matchingErrors() {
        Engine e = engine();
        PromQLEvalException many = assertThrows(PromQLEvalException.class, () -> e.instantQuery("c + on(job) b", T));
        assertEquals("found duplicate series for the match group {job=\"x\"} on the right hand-side of the operation: "
            + "[{__name__=\"b\", instance=\"2\", job=\"x\"}, {__name__=\"b\", instance=\"1\", job=\"x\"}]"
            + ";many-to-many matching not allowed: matching labels must be unique on one side", many.getMessage());
        PromQLEvalException left = assertThrows(PromQLEvalException.class,
            () -> e.instantQuery("b + on(job) group_right c", T));
        assertTrue(left.getMessage().contains("on the left hand-side of the operation"), left.getMessage());
        PromQLEvalException oneToOne = assertThrows(PromQLEvalException.class, () -> e.instantQuery("a + on(job) c", T));
        assertEquals("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)",
            oneToOne.getMessage());
        InMemorySource src = new InMemorySource();
        src.addRegular("e1{job=\"x\",instance=\"1\"}", T, 1, 1);
        src.addRegular("e2{job=\"x\",instance=\"1\"}", T, 1, 2);
        src.addRegular("c{job=\"x\"}", T, 1, 5);
        Engine e2 = new Engine(src);
        PromQLEvalException grouping = assertThrows(PromQLEvalException.class,
            () -> e2.instantQuery("{__name__=~\"e.*\"} + on(job) group_left c", T));
        assertEquals("multiple matches for labels: grouping labels must ensure unique matches", grouping.getMessage());
        PromQLEvalException dup = assertThrows(PromQLEvalException.class,
            () -> e2.instantQuery("{__name__=~\"e.*\"} * 2", T));
        assertEquals("vector cannot contain metrics with the same labelset", dup.getMessage());
        // comparisons keep the name: no duplicate
        assertEquals(2, vector(e2, "{__name__=~\"e.*\"} > 0", T).size());
    }

    @Test
    void setOperators() {
        Engine e = engine();
        assertEquals(List.of(l("a{job=\"x\",instance=\"1\"}"), l("a{job=\"x\",instance=\"2\"}")),
            labelsOf(vector(e, "a and b", T)));
        assertEquals(List.of(l("a{job=\"x\",instance=\"1\"}")), labelsOf(vector(e, "a and on(instance) d", T)));
        assertEquals(List.of(l("a{job=\"x\",instance=\"2\"}")), labelsOf(vector(e, "a unless on(instance) d", T)));
        assertEquals(2, vector(e, "a unless c", T).size(), "no match: everything stays");
        assertTrue(vector(e, "a unless b", T).isEmpty());
        List<Sample> or = vector(e, "a or c", T);
        assertEquals(List.of(l("a{job=\"x\",instance=\"1\"}"), l("a{job=\"x\",instance=\"2\"}"), l("c{job=\"x\"}")),
            labelsOf(or));
        assertEquals(2, vector(e, "a or b", T).size(), "rhs series matching lhs ones are dropped");
        assertEquals(3, vector(e, "a or on(instance) d or c", T).size());
        // comparisons bind tighter than or; b{instance="2"} has the same signature as a{instance="2"}
        assertEquals(List.of(l("a{job=\"x\",instance=\"2\"}")), labelsOf(vector(e, "a > 15 or b > 3", T)));
        assertEquals(List.of(l("a{job=\"x\",instance=\"2\"}"), l("b{job=\"x\",instance=\"1\"}")),
            labelsOf(vector(e, "a > 15 or b < 3", T)));
    }

    @Test
    void setOperatorsPerStep() {
        InMemorySource src = new InMemorySource();
        src.addRegular("p", 0, 60_000, 1, Double.NaN); // present at 0 and 60s (NaN is a value)
        src.add(Labels.of("__name__", "q"), new long[] {60_000}, new double[] {2});
        Engine e = new Engine(src, EngineOptions.defaults().withLookbackDeltaMs(30_000));
        // p and q have the same (empty) signature: p only fills the step where q is absent
        QueryResult r = e.rangeQuery("q or p", 0, 60_000, 60_000);
        assertEquals(2, r.matrix().size());
        assertEquals(l("p"), r.matrix().get(0).labels());
        assertArrayEquals(new long[] {0}, r.matrix().get(0).timestampsMs());
        assertArrayEquals(new long[] {60_000}, r.matrix().get(1).timestampsMs());
        QueryResult and = e.rangeQuery("p and q", 0, 60_000, 60_000);
        assertArrayEquals(new long[] {60_000}, and.matrix().get(0).timestampsMs());
    }

    @Test
    void scalarOperations() {
        Engine e = engine();
        assertEquals(3, TestUtil.scalar(e, "1 + 2", T));
        assertEquals(2, TestUtil.scalar(e, "scalar(c) - 3", T));
        assertEquals(1, TestUtil.scalar(e, "2 ^ 0", T));
        assertEquals(1, TestUtil.scalar(e, "1 ^ NaN", T), "Go's math.Pow(1, NaN) = 1");
        assertTrue(Double.isNaN(TestUtil.scalar(e, "5 % 0", T)));
        assertEquals(1, single(e, "vector(1) and on() c", T));
    }
}
