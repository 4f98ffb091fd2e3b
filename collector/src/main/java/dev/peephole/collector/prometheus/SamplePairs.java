package dev.peephole.collector.prometheus;

import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.SampleText;

/**
 * The {@code values} array of one matrix series, {@code [[t,"v"],...]}, formatted straight into ASCII bytes
 * and handed to the JSON generator as one raw value. A day of minute steps for 100 series is 144,000 pairs:
 * through a StringBuilder and the generator's char path each pair cost about 0.7 us, mostly copying
 * characters around; here the bytes are written once. The text is the one {@code PromJson.point} writes
 * pair by pair (only digits, signs, '.', 'e', '+', 'N', 'a', 'I', 'n', 'f' and the JSON punctuation, so
 * nothing to escape). Reused for every series of an answer; not thread-safe.
 */
final class SamplePairs extends RawJson {

    /** Longest pair: {@code [} timestamp {@code ,"} value {@code "]} and a comma. */
    private static final int MAX_PAIR_BYTES = PromQLFormat.MAX_TIMESTAMP_BYTES + PromQLFormat.MAX_API_VALUE_BYTES + 6;

    SamplePairs() {
        super(new byte[16 * 1024], 0);
    }

    /** Formats the pairs of one series, replacing what was here. */
    SamplePairs format(long[] t, double[] v) {
        return format(t, v, null);
    }

    /** Formats the pairs of one series, copying a value's text from {@code text} where it has it. */
    SamplePairs format(long[] t, double[] v, SampleText text) {
        int need = 2 + t.length * MAX_PAIR_BYTES;
        if (buf.length < need) {
            buf = new byte[Math.max(need, buf.length * 2)];
        }
        byte[] b = buf;
        int p = 0;
        b[p++] = '[';
        for (int i = 0; i < t.length; i++) {
            if (i > 0) {
                b[p++] = ',';
            }
            b[p++] = '[';
            p = PromQLFormat.putTimestamp(b, p, t[i]);
            b[p++] = ',';
            b[p++] = '"';
            int made = text == null ? -1 : text.put(i, v[i], b, p);
            p = made >= 0 ? made : PromQLFormat.putApiValue(b, p, v[i]);
            b[p++] = '"';
            b[p++] = ']';
        }
        b[p++] = ']';
        len = p;
        return this;
    }
}
