package dev.peephole.collector.promql.ast;

/** Prometheus duration parsing and formatting (model.ParseDuration / Duration.String). */
public final class Durations {
    private static final String[] UNITS = {"y", "w", "d", "h", "m", "s", "ms"};
    private static final long[] MULT = {365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000,
        3600L * 1000, 60L * 1000, 1000L, 1L};

    private Durations() {
    }

    /** Parses a duration like {@code 1h30m} into milliseconds; throws IllegalArgumentException with Prometheus' message. */
    public static long parse(String s) {
        if (s.equals("0")) {
            return 0;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty duration string");
        }
        String orig = s;
        long dur = 0;
        int lastUnitPos = -1;
        int i = 0;
        int n = s.length();
        while (i < n) {
            if (!isDigit(s.charAt(i))) {
                throw new IllegalArgumentException("not a valid duration string: " + quote(orig));
            }
            int j = i;
            while (j < n && isDigit(s.charAt(j))) {
                j++;
            }
            long v;
            try {
                v = Long.parseLong(s.substring(i, j));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a valid duration string: " + quote(orig));
            }
            int k = j;
            while (k < n && !isDigit(s.charAt(k))) {
                k++;
            }
            if (k == j) {
                throw new IllegalArgumentException("not a valid duration string: " + quote(orig));
            }
            String u = s.substring(j, k);
            int pos = -1;
            for (int x = 0; x < UNITS.length; x++) {
                if (UNITS[x].equals(u)) {
                    pos = x;
                }
            }
            if (pos < 0) {
                throw new IllegalArgumentException("unknown unit " + quote(u) + " in duration " + quote(orig));
            }
            if (pos <= lastUnitPos) {
                throw new IllegalArgumentException("not a valid duration string: " + quote(orig));
            }
            lastUnitPos = pos;
            // time.Duration is in ns: the total must fit 2^63 ns
            long maxMs = Long.MAX_VALUE / 1_000_000L;
            if (v > maxMs / MULT[pos]) {
                throw new IllegalArgumentException("duration out of range");
            }
            dur += v * MULT[pos];
            if (dur > maxMs) {
                throw new IllegalArgumentException("duration out of range");
            }
            i = k;
        }
        return dur;
    }

    /** Formats milliseconds like Prometheus' model.Duration.String() (e.g. {@code 1h30m}, {@code 0s}). */
    public static String format(long ms) {
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        if (ms < 0) {
            sb.append('-');
            ms = -ms;
        }
        for (int i = 0; i < UNITS.length; i++) {
            long q = ms / MULT[i];
            if (q > 0) {
                sb.append(q).append(UNITS[i]);
                ms -= q * MULT[i];
            }
        }
        return sb.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String quote(String s) {
        return dev.peephole.collector.promql.GoStrings.quote(s);
    }
}
