package dev.peephole.collector.promql;

/** Translates Go RE2 syntax into java.util.regex syntax (best effort for the common differences). */
final class GoRegex {
    private GoRegex() {
    }

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 8);
        int n = re.length();
        boolean inClass = false;
        int classStart = -1;
        for (int i = 0; i < n; i++) {
            char c = re.charAt(i);
            if (c == '\\') {
                if (i + 1 < n) {
                    char d = re.charAt(i + 1);
                    if (d == 'z' && !inClass) {
                        out.append("\\z");
                    } else if (d == 'C') {
                        out.append('.');
                    } else {
                        out.append(c).append(d);
                    }
                    i++;
                } else {
                    out.append(c);
                }
                continue;
            }
            if (inClass) {
                if (c == '[' && i + 1 < n && re.charAt(i + 1) == ':') {
                    int end = re.indexOf(":]", i + 2);
                    if (end > 0) {
                        String name = re.substring(i + 2, end);
                        boolean neg = name.startsWith("^");
                        if (neg) {
                            name = name.substring(1);
                        }
                        String cls = posix(name);
                        if (cls != null) {
                            out.append(neg ? "\\P{" : "\\p{").append(cls).append('}');
                            i = end + 1;
                            continue;
                        }
                    }
                    out.append("\\[");
                    continue;
                }
                if (c == '[') {
                    out.append("\\[");
                    continue;
                }
                if (c == '&' && i + 1 < n && re.charAt(i + 1) == '&') {
                    out.append("&\\&");
                    i++;
                    continue;
                }
                if (c == ']' && i > classStart) {
                    inClass = false;
                }
                out.append(c);
                continue;
            }
            switch (c) {
                case '[':
                    inClass = true;
                    out.append(c);
                    // a leading ']' (or '^]') is a literal in RE2
                    classStart = i + 1;
                    if (classStart < n && re.charAt(classStart) == '^') {
                        out.append('^');
                        i++;
                        classStart++;
                    }
                    if (classStart < n && re.charAt(classStart) == ']') {
                        out.append("\\]");
                        i++;
                        classStart++;
                    }
                    classStart = i + 1;
                    break;
                case '(':
                    if (re.startsWith("(?P<", i)) {
                        out.append("(?<");
                        i += 3;
                    } else {
                        out.append(c);
                    }
                    break;
                case '{':
                    if (i > 0 && isRepeat(re, i)) {
                        int close = re.indexOf('}', i);
                        out.append(re, i, close + 1);
                        i = close;
                    } else {
                        out.append("\\{");
                    }
                    break;
                case '}':
                    out.append("\\}");
                    break;
                default:
                    out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isRepeat(String re, int i) {
        int j = i + 1;
        int n = re.length();
        int digits = 0;
        while (j < n && Character.isDigit(re.charAt(j))) {
            j++;
            digits++;
        }
        if (digits == 0) {
            return false;
        }
        if (j < n && re.charAt(j) == ',') {
            j++;
            while (j < n && Character.isDigit(re.charAt(j))) {
                j++;
            }
        }
        return j < n && re.charAt(j) == '}';
    }

    private static String posix(String name) {
        switch (name) {
            case "alnum": return "Alnum";
            case "alpha": return "Alpha";
            case "ascii": return "ASCII";
            case "blank": return "Blank";
            case "cntrl": return "Cntrl";
            case "digit": return "Digit";
            case "graph": return "Graph";
            case "lower": return "Lower";
            case "print": return "Print";
            case "punct": return "Punct";
            case "space": return "Space";
            case "upper": return "Upper";
            case "word": return "Alnum";
            case "xdigit": return "XDigit";
            default: return null;
        }
    }
}
