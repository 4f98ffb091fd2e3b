package dev.peephole.collector.promql;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** Formatting helpers matching Prometheus' JSON output. */
public final class PromQLFormat {
    private static final double TWO_53 = 9007199254740992.0;

    private PromQLFormat() {
    }

    /**
     * Formats a sample value like Prometheus' JSON API: {@code "NaN"}, {@code "+Inf"}, {@code "-Inf"}, otherwise Go's
     * {@code strconv.FormatFloat(v, 'f', -1, 64)}: the shortest decimal that round-trips, without exponent.
     */
    public static String formatValue(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (v == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (v == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        if (v == 0) {
            return (Double.doubleToRawLongBits(v) < 0) ? "-0" : "0";
        }
        double a = Math.abs(v);
        String s;
        if (a < TWO_53 && a == Math.rint(a)) {
            s = Long.toString((long) a);
        } else {
            s = shortestFast(a);
        }
        return v < 0 ? "-" + s : s;
    }

    /**
     * Formats a sample value as Prometheus' HTTP API writes it since 2.40 ({@code jsonutil.MarshalFloat}, checked
     * against the real Prometheus 2.42 in {@code PrometheusScrapeTest}): like {@link #formatValue}, but values whose
     * magnitude is below 1e-6 or at least 1e21 in Go's shortest exponent form ({@code 'e', -1}): {@code 1e+300},
     * {@code 2.5e-07}.
     */
    public static String formatApiValue(double v) {
        StringBuilder sb = new StringBuilder(24);
        appendApiValue(sb, v);
        return sb.toString();
    }

    /**
     * Appends {@link #formatApiValue} of v to sb: the same characters, without the intermediate
     * strings and BigDecimals (a range query writes a hundred thousand values).
     */
    public static void appendApiValue(StringBuilder sb, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
            sb.append(formatValue(v));
            return;
        }
        double a = Math.abs(v);
        if (v < 0) {
            sb.append('-');
        }
        if (a >= 1e-6 && a < 1e21) {
            if (a < TWO_53 && a == Math.rint(a)) {
                sb.append((long) a);
            } else {
                appendShortest(sb, a, false);
            }
        } else {
            appendShortest(sb, a, true);
        }
    }

    /** Go's shortest exponent form of a positive finite double ({@code 'e', -1}): {@code 2.5e-07}, the slow way. */
    private static String exponentForm(double a) {
        BigDecimal d = new BigDecimal(shortestBigDecimal(a)).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        StringBuilder out = new StringBuilder();
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        appendExponent(out, exponent);
        return out.toString();
    }

    private static void appendExponent(StringBuilder out, int exponent) {
        out.append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        if (e < 10) {
            out.append('0');
        }
        out.append(e);
    }

    /**
     * Appends the shortest round-tripping decimal of a positive finite double, plain
     * ({@code 'f', -1}) or in exponent form ({@code 'e', -1}): the digits of Schubfach
     * (see {@link #shortestFast}), placed by hand instead of through a BigDecimal.
     */
    static void appendShortest(StringBuilder sb, double a, boolean exponent) {
        String s = com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal.toString(a);
        char[] d = new char[s.length()];
        int n = 0;
        int intLen = -1;
        int exp = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '.') {
                intLen = n;
            } else if (c == 'E') {
                exp = Integer.parseInt(s, i + 1, s.length(), 10);
                break;
            } else {
                d[n++] = c;
            }
        }
        if (intLen < 0) {
            intLen = n;
        }
        // value = 0.d[from..n) x 10^point
        int point = intLen + exp;
        int from = 0;
        while (from < n - 1 && d[from] == '0') {
            from++;
            point--;
        }
        while (n > from + 1 && d[n - 1] == '0') {
            n--;
        }
        int digits = n - from;
        if (digits == 2 && a < Double.MIN_NORMAL) {
            // Java's variant prefers a closer two-digit decimal where one digit would do: the exhaustive search.
            // Only subnormals can have that choice: for a normal double, no two-digit decimal other than d.0
            // lies within its rounding interval when a one-digit one does (they are 1 % apart, the interval
            // about 1e-16 wide), so a two-digit answer is the shortest one.
            sb.append(exponent ? exponentForm(a) : shortest(a));
            return;
        }
        if (exponent) {
            sb.append(d[from]);
            if (digits > 1) {
                sb.append('.').append(d, from + 1, digits - 1);
            }
            appendExponent(sb, point - 1);
        } else if (point <= 0) {
            sb.append("0.");
            for (int i = 0; i < -point; i++) {
                sb.append('0');
            }
            sb.append(d, from, digits);
        } else if (point >= digits) {
            sb.append(d, from, digits);
            for (int i = digits; i < point; i++) {
                sb.append('0');
            }
        } else {
            sb.append(d, from, point).append('.').append(d, from + point, digits - point);
        }
    }

    /** Longest {@link #putApiValue} output: {@code -1.7976931348623157e+308}, {@code -0.0000012345678901234567}. */
    public static final int MAX_API_VALUE_BYTES = 32;
    /** Longest {@link #putTimestamp} output ({@code -9223372036854775.807}; Long.MIN_VALUE's odd text is 25). */
    public static final int MAX_TIMESTAMP_BYTES = 26;
    private static final double FAST_PLAIN_MIN = 1e-3;
    private static final double FAST_PLAIN_MAX = 1e7;

    /**
     * Writes {@link #formatApiValue} of v as ASCII into dst at pos (room for {@link #MAX_API_VALUE_BYTES} bytes
     * needed) and returns the position after it: a range query's hundred thousand values without a
     * StringBuilder or char array each.
     */
    public static int putApiValue(byte[] dst, int pos, double v) {
        double a = Math.abs(v);
        if (a != 0 && a < TWO_53 && a == Math.rint(a)) {
            if (v < 0) {
                dst[pos++] = '-';
            }
            return putDigits(dst, pos, (long) a);
        }
        if (a >= FAST_PLAIN_MIN && a < FAST_PLAIN_MAX) {
            // Not an integer here. Java's shortest decimal (Schubfach, as in JDK 19+'s Double.toString) in
            // this range is written plain ("0.00125", "1234567.5") with the same digits Go's 'f', -1 gives:
            // the characters are the answer as they are.
            if (v < 0) {
                dst[pos++] = '-';
            }
            String s = com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal.toString(a);
            for (int i = 0, n = s.length(); i < n; i++) {
                dst[pos++] = (byte) s.charAt(i);
            }
            return pos;
        }
        // NaN, infinities, zeros, and the magnitudes Java writes in exponent form: the general way.
        StringBuilder sb = new StringBuilder(MAX_API_VALUE_BYTES);
        appendApiValue(sb, v);
        for (int i = 0, n = sb.length(); i < n; i++) {
            dst[pos++] = (byte) sb.charAt(i);
        }
        return pos;
    }

    /**
     * Writes {@link #formatTimestamp} of tMs as ASCII into dst at pos (room for {@link #MAX_TIMESTAMP_BYTES}
     * bytes needed) and returns the position after it.
     */
    public static int putTimestamp(byte[] dst, int pos, long tMs) {
        if (tMs == Long.MIN_VALUE) {
            String s = formatTimestamp(tMs);
            for (int i = 0; i < s.length(); i++) {
                dst[pos++] = (byte) s.charAt(i);
            }
            return pos;
        }
        long t = tMs;
        if (t < 0) {
            dst[pos++] = '-';
            t = -t;
        }
        pos = putDigits(dst, pos, t / 1000);
        int frac = (int) (t % 1000);
        if (frac != 0) {
            dst[pos] = '.';
            dst[pos + 1] = (byte) ('0' + frac / 100);
            dst[pos + 2] = (byte) ('0' + frac / 10 % 10);
            dst[pos + 3] = (byte) ('0' + frac % 10);
            pos += 4;
        }
        return pos;
    }

    /** "00" to "99": two digits a division. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** The decimal digits of a non-negative long. */
    private static int putDigits(byte[] dst, int pos, long n) {
        if (n <= Integer.MAX_VALUE) {
            // timestamps in seconds until 2038, and most integer values: int division is far cheaper
            return putDigits(dst, pos, (int) n);
        }
        int len = 1;
        for (long x = n; x >= 10; x /= 10) {
            len++;
        }
        int i = pos + len;
        long x = n;
        while (x > Integer.MAX_VALUE) {
            int r = (int) (x % 100);
            x /= 100;
            dst[--i] = DIGIT_PAIRS[2 * r + 1];
            dst[--i] = DIGIT_PAIRS[2 * r];
        }
        putIntDigitsBackwards(dst, i, (int) x);
        return pos + len;
    }

    private static int putDigits(byte[] dst, int pos, int n) {
        int len = n < 10 ? 1 : n < 100 ? 2 : n < 1_000 ? 3 : n < 10_000 ? 4 : n < 100_000 ? 5
                : n < 1_000_000 ? 6 : n < 10_000_000 ? 7 : n < 100_000_000 ? 8 : n < 1_000_000_000 ? 9 : 10;
        putIntDigitsBackwards(dst, pos + len, n);
        return pos + len;
    }

    /** Writes the digits of a non-negative int so that the last one is just before end. */
    private static void putIntDigitsBackwards(byte[] dst, int end, int n) {
        int i = end;
        int x = n;
        while (x >= 100) {
            int r = x % 100;
            x /= 100;
            dst[--i] = DIGIT_PAIRS[2 * r + 1];
            dst[--i] = DIGIT_PAIRS[2 * r];
        }
        if (x >= 10) {
            dst[--i] = DIGIT_PAIRS[2 * x + 1];
            dst[--i] = DIGIT_PAIRS[2 * x];
        } else {
            dst[--i] = (byte) ('0' + x);
        }
    }

    /** Appends {@link #formatTimestamp} of tMs to sb. */
    public static void appendTimestamp(StringBuilder sb, long tMs) {
        long t = tMs;
        if (t < 0) {
            sb.append('-');
            t = -t;
        }
        sb.append(t / 1000);
        long frac = t % 1000;
        if (frac != 0) {
            sb.append('.');
            if (frac < 100) {
                sb.append('0');
            }
            if (frac < 10) {
                sb.append('0');
            }
            sb.append(frac);
        }
    }

    /** Formats a millisecond timestamp as Prometheus does: seconds, with a 3-digit fraction if not whole. */
    public static String formatTimestamp(long tMs) {
        StringBuilder sb = new StringBuilder();
        appendTimestamp(sb, tMs);
        return sb.toString();
    }

    /**
     * The same digits as {@link #shortest} from the Schubfach algorithm (Raffaello Giulietti's,
     * as in JDK 19+'s Double.toString, shipped in jackson-core): shortest, round-tripping,
     * closest to the exact value. An order of magnitude faster than the BigDecimal search,
     * which matters when a range query returns a hundred thousand samples.
     */
    static String shortestFast(double a) {
        StringBuilder sb = new StringBuilder(24);
        appendShortest(sb, a, false);
        return sb.toString();
    }

    /** What {@link #shortestFast} returns, through a BigDecimal (the reference the fast one is tested against). */
    static String shortestBigDecimal(double a) {
        BigDecimal d = new BigDecimal(com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal.toString(a))
                .stripTrailingZeros();
        // Java's variant prefers a closer two-digit decimal where one digit would do
        // (4.9E-324 where Go writes 5e-324): those few take the exhaustive search.
        if (d.precision() == 2) {
            return shortest(a);
        }
        return d.toPlainString();
    }

    /** Shortest round-tripping decimal of a positive finite double, closest to the exact value among the shortest. */
    static String shortest(double a) {
        BigDecimal exact = new BigDecimal(a);
        int p = significantDigits(Double.toString(a));
        BigDecimal best = bestAt(exact, a, p);
        while (best == null && p < 17) {
            p++;
            best = bestAt(exact, a, p);
        }
        while (p > 1) {
            BigDecimal shorter = bestAt(exact, a, p - 1);
            if (shorter == null) {
                break;
            }
            best = shorter;
            p--;
        }
        if (best == null) {
            best = exact;
        }
        return best.stripTrailingZeros().toPlainString();
    }

    private static BigDecimal bestAt(BigDecimal exact, double a, int p) {
        BigDecimal lo = exact.round(new MathContext(p, RoundingMode.FLOOR));
        BigDecimal hi = exact.round(new MathContext(p, RoundingMode.CEILING));
        boolean loOk = lo.signum() > 0 && Double.parseDouble(lo.toString()) == a;
        boolean hiOk = Double.parseDouble(hi.toString()) == a;
        if (loOk && hiOk) {
            int c = exact.subtract(lo).compareTo(hi.subtract(exact));
            if (c < 0) {
                return lo;
            }
            if (c > 0) {
                return hi;
            }
            return lo.unscaledValue().testBit(0) ? hi : lo;
        }
        if (loOk) {
            return lo;
        }
        return hiOk ? hi : null;
    }

    private static int significantDigits(String javaRepr) {
        int e = javaRepr.indexOf('E');
        String m = e >= 0 ? javaRepr.substring(0, e) : javaRepr;
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            if (c >= '0' && c <= '9') {
                d.append(c);
            }
        }
        int start = 0;
        while (start < d.length() - 1 && d.charAt(start) == '0') {
            start++;
        }
        int end = d.length();
        while (end > start + 1 && d.charAt(end - 1) == '0') {
            end--;
        }
        return Math.max(1, end - start);
    }
}
