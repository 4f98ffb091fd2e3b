package dev.peephole.collector.promql;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * A label matcher as in Prometheus. Regular expressions are fully anchored ({@code ^(?s:re)$}, so {@code .} also
 * matches newlines as in Prometheus 3). An absent label is matched as the empty string, so {@code a=""} matches series
 * without label {@code a} and {@code a=~".*"} matches every series.
 *
 * <p>The regex dialect is Go's RE2; common RE2-only syntax ({@code (?P<name>)}, POSIX classes {@code [[:alpha:]]},
 * literal {@code {}) is translated to java.util.regex.
 */
public record LabelMatcher(String name, Type type, String value) {
    /** Matcher type. */
    public enum Type {
        EQ("="), NEQ("!="), RE("=~"), NRE("!~");

        private final String op;

        Type(String op) {
            this.op = op;
        }

        /** The PromQL operator. */
        public String op() {
            return op;
        }
    }

    private static final int CACHE_MAX = 4096;
    private static final ConcurrentHashMap<String, Pattern> CACHE = new ConcurrentHashMap<>();

    /** Validates the matcher; throws IllegalArgumentException with an "error parsing regexp" message for bad regexes. */
    public LabelMatcher {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
        if (type == Type.RE || type == Type.NRE) {
            pattern(value);
        }
    }

    public static LabelMatcher eq(String name, String value) {
        return new LabelMatcher(name, Type.EQ, value);
    }

    public static LabelMatcher neq(String name, String value) {
        return new LabelMatcher(name, Type.NEQ, value);
    }

    public static LabelMatcher re(String name, String value) {
        return new LabelMatcher(name, Type.RE, value);
    }

    public static LabelMatcher nre(String name, String value) {
        return new LabelMatcher(name, Type.NRE, value);
    }

    /** Whether the label value matches; {@code null} (absent label) is treated as {@code ""}. */
    public boolean matches(String v) {
        if (v == null) {
            v = "";
        }
        switch (type) {
            case EQ:
                return value.equals(v);
            case NEQ:
                return !value.equals(v);
            case RE:
                return regexMatches(v);
            default:
                return !regexMatches(v);
        }
    }

    /** Whether this matcher matches the given label set (absent label = ""). */
    public boolean matches(Labels labels) {
        return matches(labels.get(name));
    }

    private boolean regexMatches(String v) {
        if (value.equals(".*")) {
            return true;
        }
        if (value.equals(".+")) {
            return !v.isEmpty();
        }
        return pattern(value).matcher(v).matches();
    }

    /** Compiled, anchored pattern for a Go regex (cached). */
    static Pattern pattern(String re) {
        Pattern p = CACHE.get(re);
        if (p != null) {
            return p;
        }
        try {
            p = Pattern.compile(GoRegex.translate(re), Pattern.DOTALL);
        } catch (RuntimeException e) {
            String msg = e.getMessage();
            if (e instanceof java.util.regex.PatternSyntaxException) {
                msg = ((java.util.regex.PatternSyntaxException) e).getDescription();
            }
            throw new IllegalArgumentException("error parsing regexp: " + msg + ": `" + re + "`", e);
        }
        if (CACHE.size() >= CACHE_MAX) {
            CACHE.clear();
        }
        CACHE.put(re, p);
        return p;
    }

    /** PromQL form, e.g. {@code job=~"a.*"}. */
    @Override
    public String toString() {
        return name + type.op + GoStrings.quote(value);
    }
}
