package dev.peephole.collector.promql;

/** Go-compatible string helpers (strconv.Quote). */
public final class GoStrings {
    private GoStrings() {
    }

    /** Go's strconv.Quote. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2);
        sb.append('"');
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            appendEscaped(sb, cp, '"');
        }
        return sb.append('"').toString();
    }

    /** Go's fmt %.Nq: quote of the first n runes. */
    public static String quotePrefix(String s, int n) {
        int end = 0;
        int count = 0;
        while (end < s.length() && count < n) {
            end += Character.charCount(s.codePointAt(end));
            count++;
        }
        return quote(s.substring(0, end));
    }

    /** Go's %q for a rune: 'x'. */
    public static String quoteRune(int cp) {
        StringBuilder sb = new StringBuilder("'");
        appendEscaped(sb, cp, '\'');
        return sb.append('\'').toString();
    }

    private static void appendEscaped(StringBuilder sb, int cp, char quote) {
        switch (cp) {
            case '\u0007': sb.append("\\a"); return;
            case '\b': sb.append("\\b"); return;
            case '\f': sb.append("\\f"); return;
            case '\n': sb.append("\\n"); return;
            case '\r': sb.append("\\r"); return;
            case '\t': sb.append("\\t"); return;
            case '\u000b': sb.append("\\v"); return;
            case '\\': sb.append("\\\\"); return;
            default:
                break;
        }
        if (cp == quote) {
            sb.append('\\').append(quote);
            return;
        }
        if (cp < 0x20 || cp == 0x7f) {
            sb.append(String.format("\\x%02x", cp));
        } else if (isPrint(cp)) {
            sb.appendCodePoint(cp);
        } else if (cp < 0x10000) {
            sb.append(String.format("\\u%04x", cp));
        } else {
            sb.append(String.format("\\U%08x", cp));
        }
    }

    private static boolean isPrint(int cp) {
        if (cp < 0x80) {
            return cp >= 0x20 && cp < 0x7f;
        }
        int t = Character.getType(cp);
        return t != Character.CONTROL && t != Character.FORMAT && t != Character.SURROGATE
            && t != Character.UNASSIGNED && t != Character.PRIVATE_USE
            && t != Character.LINE_SEPARATOR && t != Character.PARAGRAPH_SEPARATOR
            && (t != Character.SPACE_SEPARATOR || cp == 0x20);
    }
}
