package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void values() {
        assertEquals("NaN", PromQLFormat.formatValue(Double.NaN));
        assertEquals("+Inf", PromQLFormat.formatValue(Double.POSITIVE_INFINITY));
        assertEquals("-Inf", PromQLFormat.formatValue(Double.NEGATIVE_INFINITY));
        assertEquals("0", PromQLFormat.formatValue(0));
        assertEquals("-0", PromQLFormat.formatValue(-0.0));
        assertEquals("1", PromQLFormat.formatValue(1));
        assertEquals("-42", PromQLFormat.formatValue(-42));
        assertEquals("0.6666666666666666", PromQLFormat.formatValue(10.0 / 15));
        assertEquals("0.1", PromQLFormat.formatValue(0.1));
        assertEquals("0.30000000000000004", PromQLFormat.formatValue(0.1 + 0.2));
        assertEquals("1.5", PromQLFormat.formatValue(1.5));
        assertEquals("123456789.123", PromQLFormat.formatValue(123456789.123));
        // no exponent, like strconv.FormatFloat(v, 'f', -1, 64)
        assertEquals("100000000000000000000", PromQLFormat.formatValue(1e20));
        assertEquals("1000000000000000000000", PromQLFormat.formatValue(1e21));
        assertEquals("0.000001", PromQLFormat.formatValue(1e-6));
        assertEquals("0.00000000000000000000000000001", PromQLFormat.formatValue(1e-29));
        assertEquals("9007199254740993000", PromQLFormat.formatValue(9007199254740993e3));
        assertEquals("1152921504606847000", PromQLFormat.formatValue(Math.pow(2, 60)));
        assertEquals("9007199254740992", PromQLFormat.formatValue(Math.pow(2, 53)));
        // shortest representation (Java 17's Double.toString is sometimes longer)
        assertEquals("2", PromQLFormat.formatValue(2.0));
        assertEquals("0.3", PromQLFormat.formatValue(0.3));
        assertEquals("200000000000000000000000", PromQLFormat.formatValue(2e23));
        assertEquals("0." + "0".repeat(323) + "5", PromQLFormat.formatValue(Double.MIN_VALUE));
        assertEquals("17976931348623157" + "0".repeat(292), PromQLFormat.formatValue(Double.MAX_VALUE));
    }

    @Test
    void apiValuesUseGosExponentFormBeyondPrometheusCutoffs() {
        // As Prometheus 2.42's /api/v1/query answered (PrometheusScrapeTest compares the two).
        assertEquals("1e+300", PromQLFormat.formatApiValue(1e300));
        assertEquals("2.5e-300", PromQLFormat.formatApiValue(2.5e-300));
        assertEquals("-1.2345e+21", PromQLFormat.formatApiValue(-1.2345e21));
        assertEquals("1e+21", PromQLFormat.formatApiValue(1e21));
        assertEquals("100000000000000000000", PromQLFormat.formatApiValue(1e20));
        assertEquals("0.000001", PromQLFormat.formatApiValue(1e-6));
        assertEquals("9.99e-07", PromQLFormat.formatApiValue(9.99e-7));
        assertEquals("5e-324", PromQLFormat.formatApiValue(Double.MIN_VALUE));
        assertEquals("1.7976931348623157e+308", PromQLFormat.formatApiValue(Double.MAX_VALUE));
        assertEquals("-0.000123", PromQLFormat.formatApiValue(-0.000123));
        assertEquals("0", PromQLFormat.formatApiValue(0));
        assertEquals("NaN", PromQLFormat.formatApiValue(Double.NaN));
        assertEquals("+Inf", PromQLFormat.formatApiValue(Double.POSITIVE_INFINITY));
    }

    @Test
    void shortestRoundTrips() {
        Random r = new Random(42);
        for (int i = 0; i < 20000; i++) {
            double v = switch (i % 4) {
                case 0 -> r.nextDouble();
                case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(40) - 20);
                case 2 -> Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL);
                default -> Math.round(r.nextDouble() * 1e6) / 1000.0;
            };
            String s = PromQLFormat.formatValue(v);
            assertEquals(v, Double.parseDouble(s), s);
            if (i % 4 == 3) {
                // 3 decimals at most for values that were rounded to 3 decimals
                int dot = s.indexOf('.');
                assertEquals(true, dot < 0 || s.length() - dot - 1 <= 3, s);
            }
        }
    }

    /** formatApiValue as it was written before the fast path: through BigDecimal and strings. */
    private static String referenceApiValue(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v) || v == 0) {
            return PromQLFormat.formatValue(v);
        }
        double a = Math.abs(v);
        String sign = v < 0 ? "-" : "";
        if (a >= 1e-6 && a < 1e21) {
            return sign + (a < 9007199254740992.0 && a == Math.rint(a) ? Long.toString((long) a) : PromQLFormat.shortestBigDecimal(a));
        }
        java.math.BigDecimal d = new java.math.BigDecimal(PromQLFormat.shortestBigDecimal(a)).stripTrailingZeros();
        String digits = d.unscaledValue().toString();
        int exponent = digits.length() - 1 - d.scale();
        StringBuilder out = new StringBuilder(sign);
        out.append(digits.charAt(0));
        if (digits.length() > 1) {
            out.append('.').append(digits, 1, digits.length());
        }
        out.append('e').append(exponent < 0 ? '-' : '+');
        int e = Math.abs(exponent);
        if (e < 10) {
            out.append('0');
        }
        return out.append(e).toString();
    }

    @Test
    void fastFormattingWritesWhatTheBigDecimalWayWrote() {
        Random r = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            double v = switch (i % 6) {
                case 0 -> r.nextDouble();
                case 1 -> r.nextDouble() * Math.pow(10, r.nextInt(60) - 30);
                case 2 -> Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL);
                case 3 -> Math.round(r.nextDouble() * 1e6) / 1000.0;
                case 4 -> (r.nextInt(2000) - 1000) * Math.pow(10, r.nextInt(50) - 25);
                default -> -Double.longBitsToDouble(r.nextLong() & 0x7fefffffffffffffL);
            };
            assertEquals(referenceApiValue(v), PromQLFormat.formatApiValue(v), "bits " + Double.doubleToRawLongBits(v));
            assertEquals(PromQLFormat.formatApiValue(v), putApiValue(v), "bits " + Double.doubleToRawLongBits(v));
            if (v != 0) {
                assertEquals(PromQLFormat.shortestBigDecimal(Math.abs(v)), PromQLFormat.shortestFast(Math.abs(v)));
            }
        }
        for (double v : new double[] {1e-6, 9.99e-7, 1e21, 1e20, 123.0, 0.001, 1e7, 1e-3, 9999999.999, 5e-324, Double.MAX_VALUE,
                1.5e300, 2e23, 0.5, 100.25, 1e-7, 12345678901234567890.0}) {
            assertEquals(referenceApiValue(v), PromQLFormat.formatApiValue(v));
            assertEquals(referenceApiValue(-v), PromQLFormat.formatApiValue(-v));
            assertEquals(PromQLFormat.formatApiValue(v), putApiValue(v));
            assertEquals(PromQLFormat.formatApiValue(-v), putApiValue(-v));
        }
        for (double v : new double[] {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_NORMAL, -Double.MAX_VALUE, -0.0000012345678901234567, 9007199254740993.0, 4503599627370495.5,
                1, 9, 10, 99, 100, 101, 999_999_999, 1_000_000_000, 2_147_483_647, 2_147_483_648.0, 9_999_999_999.0,
                1e15, 123_456_789_012_345.0, 9_007_199_254_740_991.0}) {
            assertEquals(PromQLFormat.formatApiValue(v), putApiValue(v));
        }
        // Two significant digits: the exhaustive search is only needed (and only taken) for subnormals.
        for (int k = 10; k < 100; k++) {
            for (int e : new int[] {-325, -324, -323, -322, -320, -310, -308, -300, -20, -8, -7, -6, -5, -4, -3, -2, -1,
                    0, 1, 5, 6, 7, 19, 20, 21, 22, 300, 306}) {
                double v = Double.parseDouble(k + "e" + e);
                if (v == 0 || Double.isInfinite(v)) {
                    continue;
                }
                assertEquals(referenceApiValue(v), PromQLFormat.formatApiValue(v), k + "e" + e);
                assertEquals(PromQLFormat.formatApiValue(v), putApiValue(v), k + "e" + e);
            }
        }
        StringBuilder sb = new StringBuilder();
        for (long t : new long[] {0, 1, 9, 10, 99, 100, 999, 1000, 1500, 1005, 1050, -1, -1500, 1700000000123L,
                Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1}) {
            sb.setLength(0);
            PromQLFormat.appendTimestamp(sb, t);
            assertEquals(PromQLFormat.formatTimestamp(t), sb.toString());
            byte[] b = new byte[PromQLFormat.MAX_TIMESTAMP_BYTES + 3];
            int end = PromQLFormat.putTimestamp(b, 3, t);
            assertEquals(PromQLFormat.formatTimestamp(t), new String(b, 3, end - 3, StandardCharsets.US_ASCII));
        }
    }

    /** {@link PromQLFormat#putApiValue} at an offset in a buffer just long enough, as a string. */
    private static String putApiValue(double v) {
        byte[] b = new byte[5 + PromQLFormat.MAX_API_VALUE_BYTES];
        int end = PromQLFormat.putApiValue(b, 5, v);
        return new String(b, 5, end - 5, StandardCharsets.US_ASCII);
    }

    @Test
    void timestamps() {
        assertEquals("0", PromQLFormat.formatTimestamp(0));
        assertEquals("1", PromQLFormat.formatTimestamp(1000));
        assertEquals("1.5", PromQLFormat.formatTimestamp(1500).substring(0, 3));
        assertEquals("1.500", PromQLFormat.formatTimestamp(1500));
        assertEquals("1.050", PromQLFormat.formatTimestamp(1050));
        assertEquals("1.005", PromQLFormat.formatTimestamp(1005));
        assertEquals("1700000000.123", PromQLFormat.formatTimestamp(1_700_000_000_123L));
        assertEquals("-1.500", PromQLFormat.formatTimestamp(-1500));
    }
}
