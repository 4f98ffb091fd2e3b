package dev.peephole.collector.notify.config;

import dev.peephole.collector.promql.LabelMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Alertmanager's matcher syntax: {@code name="value"}, {@code name!="value"},
 * {@code name=~"regex"}, {@code name!~"regex"}; the value may also be unquoted
 * ({@code severity=page}). Regular expressions are anchored, as in Alertmanager.
 */
public final class Matchers {

    private static final Pattern MATCHER = Pattern.compile(
            "^\\s*([a-zA-Z_][a-zA-Z0-9_]*|\"(?:[^\"\\\\]|\\\\.)*\")\\s*(=~|!~|!=|=)\\s*(.*?)\\s*$", Pattern.DOTALL);

    private Matchers() {
    }

    public static LabelMatcher parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("empty matcher");
        }
        String s = text.strip();
        if (s.startsWith("{") && s.endsWith("}")) {
            s = s.substring(1, s.length() - 1);
        }
        Matcher m = MATCHER.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException("bad matcher " + quote(text)
                    + ": expected name=\"value\", name!=\"value\", name=~\"regex\" or name!~\"regex\"");
        }
        String name = m.group(1);
        if (name.startsWith("\"")) {
            name = unquote(name, text);
        }
        String raw = m.group(3);
        String value;
        if (raw.startsWith("\"")) {
            if (raw.length() < 2 || !raw.endsWith("\"") || raw.endsWith("\\\"") && !raw.endsWith("\\\\\"")) {
                throw new IllegalArgumentException("bad matcher " + quote(text) + ": unterminated quoted value");
            }
            value = unquote(raw, text);
        } else {
            if (raw.contains("\"")) {
                throw new IllegalArgumentException("bad matcher " + quote(text) + ": stray quote in value");
            }
            value = raw;
        }
        LabelMatcher.Type type = switch (m.group(2)) {
            case "=" -> LabelMatcher.Type.EQ;
            case "!=" -> LabelMatcher.Type.NEQ;
            case "=~" -> LabelMatcher.Type.RE;
            default -> LabelMatcher.Type.NRE;
        };
        try {
            return new LabelMatcher(name, type, value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad matcher " + quote(text) + ": " + e.getMessage());
        }
    }

    /** Matchers from a {@code matchers} list and the older {@code match} / {@code match_re} maps. */
    public static List<LabelMatcher> of(List<String> matchers, Map<String, String> match, Map<String, String> matchRe) {
        List<LabelMatcher> out = new ArrayList<>();
        if (matchers != null) {
            for (String m : matchers) {
                out.add(parse(m));
            }
        }
        if (match != null) {
            match.forEach((k, v) -> out.add(LabelMatcher.eq(k, v)));
        }
        if (matchRe != null) {
            matchRe.forEach((k, v) -> {
                try {
                    out.add(LabelMatcher.re(k, v));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("bad match_re for " + k + ": " + e.getMessage());
                }
            });
        }
        return List.copyOf(out);
    }

    public static boolean matchAll(List<LabelMatcher> matchers, Map<String, String> labels) {
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels.get(m.name()))) {
                return false;
            }
        }
        return true;
    }

    /** Alertmanager's text of a matcher list, as in group keys: {@code {a="b",c=~"d"}}. */
    public static String format(List<LabelMatcher> matchers) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < matchers.size(); i++) {
            LabelMatcher m = matchers.get(i);
            if (i > 0) {
                b.append(',');
            }
            b.append(m.name()).append(m.type().op()).append(quote(m.value()));
        }
        return b.append('}').toString();
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String unquote(String q, String whole) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < q.length() - 1; i++) {
            char c = q.charAt(i);
            if (c == '\\') {
                if (i + 1 >= q.length() - 1) {
                    throw new IllegalArgumentException("bad matcher " + quote(whole) + ": dangling backslash");
                }
                char n = q.charAt(++i);
                switch (n) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case '"', '\\' -> b.append(n);
                    default -> b.append('\\').append(n);
                }
            } else if (c == '"') {
                throw new IllegalArgumentException("bad matcher " + quote(whole) + ": unescaped quote in value");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
