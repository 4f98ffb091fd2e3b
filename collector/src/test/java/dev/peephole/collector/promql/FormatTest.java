package dev.peephole.collector.promql;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
