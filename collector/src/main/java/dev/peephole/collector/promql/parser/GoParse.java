package dev.peephole.collector.promql.parser;

import dev.peephole.collector.promql.GoStrings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/** Go-compatible number parsing (strconv.ParseInt base 0 / ParseFloat) and string unquoting. */
public final class GoParse {
    private static final Pattern DEC_FLOAT = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern HEX_FLOAT =
        Pattern.compile("[+-]?0[xX]([0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)[pP][+-]?\\d+");
    private static final Pattern SPECIAL = Pattern.compile("[+-]?(?i:inf|infinity|nan)");

    private GoParse() {
    }

    /** Parser.number(): ParseInt(s, 0, 64), falling back to ParseFloat(s, 64). */
    public static double number(String s) {
        Long l = parseIntBase0(s);
        if (l != null) {
            return (double) l;
        }
        return parseFloat(s);
    }

    private static Long parseIntBase0(String s) {
        String t = s;
        boolean neg = false;
        if (t.startsWith("+") || t.startsWith("-")) {
            neg = t.charAt(0) == '-';
            t = t.substring(1);
        }
        int base = 10;
        String digits = t;
        boolean prefixed = false;
        if (t.length() > 1 && t.charAt(0) == '0') {
            char c = Character.toLowerCase(t.charAt(1));
            if (c == 'x') {
                base = 16;
                digits = t.substring(2);
                prefixed = true;
            } else if (c == 'o') {
                base = 8;
                digits = t.substring(2);
                prefixed = true;
            } else if (c == 'b') {
                base = 2;
                digits = t.substring(2);
                prefixed = true;
            } else {
                base = 8;
                digits = t.substring(1);
                prefixed = true;
            }
        }
        if (digits.indexOf('_') >= 0) {
            if (!underscoresOk(prefixed ? "0" + digits : digits)) {
                return null;
            }
            digits = digits.replace("_", "");
        }
        if (digits.isEmpty()) {
            return null;
        }
        try {
            long v = Long.parseLong((neg ? "-" : "") + digits, base);
            return v;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean underscoresOk(String s) {
        // underscores only between digits (a base prefix counts as a digit)
        char prev = '^';
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '_') {
                if (prev != '0') {
                    return false;
                }
            } else {
                if (prev == '_' && !isHexDigit(c)) {
                    return false;
                }
            }
            prev = c == '_' ? '_' : (isHexDigit(c) ? '0' : '!');
        }
        return prev != '_';
    }

    private static boolean isHexDigit(char c) {
        return Character.digit(c, 16) >= 0;
    }

    /** strconv.ParseFloat(s, 64); throws NumberFormatException with Go's message. */
    public static double parseFloat(String s) {
        String t = s;
        if (t.indexOf('_') >= 0 && underscoresOk(t.replaceAll("[.eEpPxX+-]", "0"))) {
            t = t.replace("_", "");
        }
        if (SPECIAL.matcher(t).matches()) {
            String l = t.toLowerCase(java.util.Locale.ROOT);
            if (l.endsWith("nan")) {
                return Double.NaN;
            }
            return l.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (DEC_FLOAT.matcher(t).matches() || HEX_FLOAT.matcher(t).matches()) {
            double d = Double.parseDouble(t);
            if (Double.isInfinite(d)) {
                throw new NumberFormatException("strconv.ParseFloat: parsing " + GoStrings.quote(s) + ": value out of range");
            }
            return d;
        }
        throw new NumberFormatException("strconv.ParseFloat: parsing " + GoStrings.quote(s) + ": invalid syntax");
    }

    /** Unquotes a lexed STRING token (double, single or back quotes), like Prometheus' strutil.Unquote. */
    public static String unquote(String s) {
        if (s.length() < 2) {
            throw new IllegalArgumentException("invalid syntax");
        }
        char q = s.charAt(0);
        if (q != s.charAt(s.length() - 1)) {
            throw new IllegalArgumentException("invalid syntax");
        }
        String body = s.substring(1, s.length() - 1);
        if (q == '`') {
            if (body.indexOf('`') >= 0) {
                throw new IllegalArgumentException("invalid syntax");
            }
            return body;
        }
        if (q != '"' && q != '\'') {
            throw new IllegalArgumentException("invalid syntax");
        }
        if (body.indexOf('\\') < 0) {
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length());
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c != '\\') {
                int cp = body.codePointAt(i);
                i += Character.charCount(cp);
                byte[] b = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
                continue;
            }
            if (i + 1 >= body.length()) {
                throw new IllegalArgumentException("invalid syntax");
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case 'a': out.write(7); break;
                case 'b': out.write('\b'); break;
                case 'f': out.write('\f'); break;
                case 'n': out.write('\n'); break;
                case 'r': out.write('\r'); break;
                case 't': out.write('\t'); break;
                case 'v': out.write(11); break;
                case '\\': out.write('\\'); break;
                case '\'':
                case '"':
                    if (e != q) {
                        throw new IllegalArgumentException("invalid syntax");
                    }
                    out.write(e);
                    break;
                case 'x': {
                    int v = Integer.parseInt(body.substring(i, i + 2), 16);
                    out.write(v);
                    i += 2;
                    break;
                }
                case 'u':
                case 'U': {
                    int n = e == 'u' ? 4 : 8;
                    int v = Integer.parseInt(body.substring(i, i + n), 16);
                    byte[] b = new String(Character.toChars(v)).getBytes(StandardCharsets.UTF_8);
                    out.write(b, 0, b.length);
                    i += n;
                    break;
                }
                default:
                    if (e >= '0' && e <= '7') {
                        int v = Integer.parseInt(body.substring(i - 1, i + 2), 8);
                        if (v > 255) {
                            throw new IllegalArgumentException("invalid syntax");
                        }
                        out.write(v);
                        i += 2;
                        break;
                    }
                    throw new IllegalArgumentException("invalid syntax");
            }
        }
        return new String(out.toByteArray(), StandardCharsets.UTF_8);
    }
}
