package dev.peephole.collector.http;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Query parameters as Prometheus' API reads them; a bad one is a 400 naming it. */
public final class TimeParams {

    /** Thrown for a malformed parameter; rendered as Prometheus' bad_data error. */
    public static class BadParameter extends RuntimeException {
        public BadParameter(String message) {
            super(message);
        }
    }

    private TimeParams() {
    }

    /** An RFC 3339 timestamp or Unix seconds with optional decimals. */
    public static Instant parseTime(String name, String value) {
        try {
            BigDecimal seconds = new BigDecimal(value.trim());
            BigDecimal millis = seconds.movePointRight(3);
            return Instant.ofEpochMilli(millis.longValueExact());
        } catch (NumberFormatException | ArithmeticException notNumeric) {
            try {
                return Instant.parse(value.trim());
            } catch (DateTimeParseException e) {
                throw new BadParameter("invalid parameter \"" + name + "\": cannot parse \"" + value
                        + "\" to a valid timestamp");
            }
        }
    }

    public static int parsePositiveInt(String name, String value, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n <= 0 || n > max) {
                throw new BadParameter("invalid parameter \"" + name + "\": must be between 1 and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadParameter("invalid parameter \"" + name + "\": \"" + value + "\" is not an integer");
        }
    }
}
