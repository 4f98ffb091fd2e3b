package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;

/** Helpers for engine tests. */
final class TestUtil {
    static final double EPS = 1e-9;

    private TestUtil() {
    }

    static Labels l(String s) {
        return InMemorySource.parseLabels(s);
    }

    static List<Sample> vector(Engine e, String q, long t) {
        QueryResult r = e.instantQuery(q, t);
        assertEquals("vector", r.resultType(), q);
        return r.vector();
    }

    static double scalar(Engine e, String q, long t) {
        QueryResult r = e.instantQuery(q, t);
        assertEquals("scalar", r.resultType(), q);
        return r.scalar().v();
    }

    /** The single sample of an instant vector query. */
    static double single(Engine e, String q, long t) {
        List<Sample> v = vector(e, q, t);
        assertEquals(1, v.size(), () -> q + " -> " + v);
        return v.get(0).v();
    }

    /** Value of the sample with the given labels. */
    static double valueOf(List<Sample> v, String labels) {
        Labels want = labels.equals("{}") ? Labels.EMPTY : l(labels);
        for (Sample s : v) {
            if (s.labels().equals(want)) {
                return s.v();
            }
        }
        fail("no sample " + labels + " in " + v);
        return 0;
    }

    static List<Labels> labelsOf(List<Sample> v) {
        List<Labels> out = new ArrayList<>();
        for (Sample s : v) {
            out.add(s.labels());
        }
        return out;
    }

    static void assertClose(double expected, double actual) {
        if (Double.isNaN(expected)) {
            if (!Double.isNaN(actual)) {
                fail("expected NaN, got " + actual);
            }
            return;
        }
        assertEquals(expected, actual, Math.max(EPS, Math.abs(expected) * 1e-12));
    }

    static PromQLParseException parseError(String q) {
        return assertThrows(PromQLParseException.class, () -> PromQLParser.parse(q), q);
    }
}
