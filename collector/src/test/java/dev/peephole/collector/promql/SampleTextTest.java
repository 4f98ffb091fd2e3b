package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A range query's answer series take the text of their values from the read series ({@link Series#text})
 * exactly where a value is the read's latest sample at that step, bit for bit; nowhere else.
 */
class SampleTextTest {
    private static final long S = 1000;
    private static final long M = 60 * S;

    /** m{i="1"}: a sample every 30 s from 0 to 10 min, values 1, 1.25, 1.5, ...; its text names the sample: "#i". */
    private static Engine engine() {
        int n = 21;
        long[] t = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = i * 30 * S;
            v[i] = 1 + i * 0.25;
        }
        SampleText names = (i, x, dst, pos) -> {
            if (Double.doubleToRawLongBits(x) != Double.doubleToRawLongBits(v[i])) {
                return -1;
            }
            byte[] b = ("#" + i).getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(b, 0, dst, pos, b.length);
            return pos + b.length;
        };
        Series m = new Series(Labels.of("__name__", "m", "i", "1"), t, v, null, names);
        return new Engine((matchers, hints) -> List.of(m));
    }

    /** The text of each point of the answer's only series ("-" where it has none). */
    private static String texts(String query) {
        List<Series> matrix = engine().rangeQuery(query, 0, 10 * M, M).matrix();
        assertEquals(1, matrix.size(), query);
        Series s = matrix.get(0);
        if (s.text() == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        byte[] buf = new byte[PromQLFormat.MAX_API_VALUE_BYTES];
        for (int k = 0; k < s.size(); k++) {
            int end = s.text().put(k, s.values()[k], buf, 0);
            out.append(k > 0 ? " " : "").append(end < 0 ? "-" : new String(buf, 0, end, StandardCharsets.US_ASCII));
        }
        return out.toString();
    }

    @Test
    void aSelectorsPointsCarryTheTextOfTheSampleTheyAre() {
        assertEquals("#0 #2 #4 #6 #8 #10 #12 #14 #16 #18 #20", texts("m"));
    }

    @Test
    void aFilterKeepsTheTextOfTheValuesItKeeps() {
        assertEquals("#8 #10 #12 #14 #16 #18 #20", texts("m > 2.5"));
    }

    @Test
    void aFunctionThatKeepsNameAndValuesKeepsTheText() {
        assertEquals("#0 #2 #4 #6 #8 #10 #12 #14 #16 #18 #20", texts("last_over_time(m[1m])"));
    }

    @Test
    void computedOrShiftedValuesHaveNone() {
        assertNull(texts("m * 1"), "labels differ from the read's (no name)");
        assertNull(texts("abs(m)"), "no name");
        // the same labels, but each value is the sample 30 s before the latest: never the same double
        assertNull(texts("m offset 30s"));
    }

    @Test
    void withoutTextTheAnswerHasNone() {
        Series plain = new Series(Labels.of("__name__", "m"), new long[] {0, M}, new double[] {1, 2});
        Series s = new Engine((matchers, hints) -> List.of(plain)).rangeQuery("m", 0, M, M).matrix().get(0);
        assertNull(s.text());
    }
}
