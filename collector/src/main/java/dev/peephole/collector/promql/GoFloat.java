package dev.peephole.collector.promql;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Go's float formatting ({@code %v}, {@code %g}, {@code %e}, {@code %f}) and Prometheus' template
 * humanizers, so alert annotations read exactly as Prometheus writes them (promtool's rule tests
 * compare the expanded text).
 */
public final class GoFloat {

    private GoFloat() {
    }

    /** Go's {@code %v} of a float64 ({@code %g} shortest): exponent form when the exponent is < -4 or >= 6. */
    public static String formatV(double v) {
        return formatG(v, -1);
    }

    /** Go's {@code %.<prec>g} (strconv's 'g'); prec -1 is the shortest representation. */
    public static String formatG(double v, int prec) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == 0) {
            return Double.doubleToRawLongBits(v) < 0 ? "-0" : "0";
        }
        BigDecimal d = prec < 0
                ? new BigDecimal(PromQLFormat.formatValue(Math.abs(v)))
                : new BigDecimal(Math.abs(v)).round(new MathContext(Math.max(prec, 1), RoundingMode.HALF_EVEN));
        d = d.stripTrailingZeros();
        int nd = d.precision();
        int exp = nd - d.scale() - 1;
        int eprec = prec < 0 ? 6 : prec;
        if (prec >= 0 && eprec > nd && nd >= exp + 1) {
            eprec = nd;
        }
        String sign = v < 0 ? "-" : "";
        if (exp < -4 || exp >= eprec) {
            String digits = d.unscaledValue().toString();
            StringBuilder m = new StringBuilder(digits.substring(0, 1));
            if (digits.length() > 1) {
                m.append('.').append(digits, 1, digits.length());
            }
            return sign + m + exponent(exp);
        }
        return sign + d.toPlainString();
    }

    private static String exponent(int exp) {
        int a = Math.abs(exp);
        return "e" + (exp < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
    }

    /** Go's {@code %.<prec>f} (default 6), rounding the exact binary value half to even as Go does. */
    public static String formatF(double v, int prec) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return formatV(v);
        }
        String s = new BigDecimal(v).setScale(prec, RoundingMode.HALF_EVEN).toPlainString();
        return (v < 0 || Double.doubleToRawLongBits(v) < 0) && !s.startsWith("-") ? "-" + s : s;
    }

    /** Go's {@code %.<prec>e} (default 6); prec -1 is strconv's shortest 'e' form ("1e+00", "1.5e-03"). */
    public static String formatE(double v, int prec) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return formatV(v);
        }
        if (prec < 0) {
            if (v == 0) {
                return (Double.doubleToRawLongBits(v) < 0 ? "-" : "") + "0e+00";
            }
            BigDecimal d = new BigDecimal(PromQLFormat.formatValue(Math.abs(v))).stripTrailingZeros();
            String digits = d.unscaledValue().toString();
            int exp = d.precision() - d.scale() - 1;
            return (v < 0 ? "-" : "") + digits.charAt(0) + (digits.length() > 1 ? "." + digits.substring(1) : "")
                    + exponent(exp);
        }
        if (v == 0) {
            return (Double.doubleToRawLongBits(v) < 0 ? "-" : "") + "0" + (prec > 0 ? "." + "0".repeat(prec) : "")
                    + "e+00";
        }
        BigDecimal d = new BigDecimal(Math.abs(v)).round(new MathContext(prec + 1, RoundingMode.HALF_EVEN));
        int exp = d.precision() - d.scale() - 1;
        String digits = d.unscaledValue().toString();
        while (digits.length() < prec + 1) {
            digits += "0";
        }
        String m = digits.substring(0, 1) + (prec > 0 ? "." + digits.substring(1, prec + 1) : "");
        return (v < 0 ? "-" : "") + m + exponent(exp);
    }

    /** Prometheus' {@code humanize}: SI prefixes, 4 significant digits. */
    public static String humanize(double v) {
        if (v == 0 || Double.isNaN(v) || Double.isInfinite(v)) {
            return formatG(v, 4);
        }
        String prefix = "";
        if (Math.abs(v) >= 1) {
            for (String p : new String[] {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
                if (Math.abs(v) < 1000) {
                    break;
                }
                prefix = p;
                v /= 1000;
            }
            return formatG(v, 4) + prefix;
        }
        for (String p : new String[] {"m", "u", "n", "p", "f", "a", "z", "y"}) {
            if (Math.abs(v) >= 1) {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return formatG(v, 4) + prefix;
    }

    /** Prometheus' {@code humanize1024}: binary prefixes. */
    public static String humanize1024(double v) {
        if (Math.abs(v) <= 1 || Double.isNaN(v) || Double.isInfinite(v)) {
            return formatG(v, 4);
        }
        String prefix = "";
        for (String p : new String[] {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
            if (Math.abs(v) < 1024) {
                break;
            }
            prefix = p;
            v /= 1024;
        }
        return formatG(v, 4) + prefix;
    }

    /** Prometheus' {@code humanizeDuration}: seconds as "1d 2h 3m 4s", or with a sub-second prefix. */
    public static String humanizeDuration(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return formatG(v, 4);
        }
        if (v == 0) {
            return formatG(v, 4) + "s";
        }
        if (Math.abs(v) >= 1) {
            String sign = "";
            if (v < 0) {
                sign = "-";
                v = -v;
            }
            long duration = (long) v;
            long seconds = duration % 60;
            long minutes = (duration / 60) % 60;
            long hours = (duration / 60 / 60) % 24;
            long days = duration / 60 / 60 / 24;
            if (days != 0) {
                return sign + days + "d " + hours + "h " + minutes + "m " + seconds + "s";
            }
            if (hours != 0) {
                return sign + hours + "h " + minutes + "m " + seconds + "s";
            }
            if (minutes != 0) {
                return sign + minutes + "m " + seconds + "s";
            }
            return sign + formatG(v, 4) + "s";
        }
        String prefix = "";
        for (String p : new String[] {"m", "u", "n", "p", "f", "a", "z", "y"}) {
            if (Math.abs(v) >= 1) {
                break;
            }
            prefix = p;
            v *= 1000;
        }
        return formatG(v, 4) + prefix + "s";
    }

    /**
     * Go's fmt.Sprintf for the verbs alert templates use: %v %s %d %f %e %g %q %%, with flags
     * '-' and '0', width and precision. Other verbs print as Go prints a bad verb.
     */
    public static String sprintf(String format, Object... args) {
        StringBuilder out = new StringBuilder();
        int argi = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= format.length()) {
                out.append("%!(NOVERB)");
                break;
            }
            boolean left = false;
            boolean zero = false;
            while (i < format.length() && (format.charAt(i) == '-' || format.charAt(i) == '0' || format.charAt(i) == '+'
                    || format.charAt(i) == ' ')) {
                left |= format.charAt(i) == '-';
                zero |= format.charAt(i) == '0';
                i++;
            }
            int width = 0;
            while (i < format.length() && Character.isDigit(format.charAt(i))) {
                width = width * 10 + (format.charAt(i++) - '0');
            }
            int prec = -1;
            if (i < format.length() && format.charAt(i) == '.') {
                i++;
                prec = 0;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    prec = prec * 10 + (format.charAt(i++) - '0');
                }
            }
            if (i >= format.length()) {
                out.append("%!(NOVERB)");
                break;
            }
            char verb = format.charAt(i++);
            if (verb == '%') {
                out.append('%');
                continue;
            }
            if (argi >= args.length) {
                out.append("%!").append(verb).append("(MISSING)");
                continue;
            }
            Object a = args[argi++];
            String s = switch (verb) {
                case 'v', 's' -> a instanceof Double d ? formatV(d) : String.valueOf(a);
                case 'q' -> dev.peephole.collector.promql.GoStrings.quote(String.valueOf(a));
                case 'd' -> a instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)
                        ? Long.toString(d.longValue()) : "%!d(" + typeName(a) + "=" + print(a) + ")";
                case 'f', 'F' -> a instanceof Double d ? formatF(d, prec < 0 ? 6 : prec) : bad(verb, a);
                case 'e' -> a instanceof Double d ? formatE(d, prec < 0 ? 6 : prec) : bad(verb, a);
                case 'g' -> a instanceof Double d ? formatG(d, prec) : bad(verb, a);
                default -> bad(verb, a);
            };
            if (s.length() < width) {
                String pad = (zero && !left ? "0" : " ").repeat(width - s.length());
                s = left ? s + pad : (zero && s.startsWith("-") ? "-" + pad + s.substring(1) : pad + s);
            }
            out.append(s);
        }
        if (argi < args.length) {
            out.append("%!(EXTRA ");
            for (int k = argi; k < args.length; k++) {
                out.append(k > argi ? ", " : "").append(typeName(args[k])).append('=').append(print(args[k]));
            }
            out.append(')');
        }
        return out.toString();
    }

    private static String bad(char verb, Object a) {
        return "%!" + verb + "(" + typeName(a) + "=" + print(a) + ")";
    }

    private static String print(Object a) {
        return a instanceof Double d ? formatV(d) : String.valueOf(a);
    }

    private static String typeName(Object a) {
        return a instanceof Double ? "float64" : "string";
    }
}
