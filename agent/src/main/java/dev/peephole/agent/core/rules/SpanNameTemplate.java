package dev.peephole.agent.core.rules;

import java.util.ArrayList;
import java.util.List;

/**
 * A span name with placeholders: {@code {class}} (full name), {@code {simpleClass}},
 * {@code {method}}, and property paths of the arguments or {@code this} such as
 * {@code {arg0.kind}} (keep those few-valued: span names are metric labels).
 */
public final class SpanNameTemplate {
    private final List<Object> parts; // String literals or PropertyPath
    private final String constant;

    private SpanNameTemplate(List<Object> parts, String constant) {
        this.parts = parts;
        this.constant = constant;
    }

    /** Parses the template with the static placeholders filled in for one method. */
    public static SpanNameTemplate of(String template, String className, String methodName) {
        List<Object> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            int close = c == '{' ? template.indexOf('}', i) : -1;
            if (close < 0) {
                lit.append(c);
                i++;
                continue;
            }
            String key = template.substring(i + 1, close).trim();
            i = close + 1;
            switch (key) {
                case "class":
                    lit.append(className);
                    break;
                case "simpleClass":
                    lit.append(simpleName(className));
                    break;
                case "method":
                    lit.append(methodName);
                    break;
                default:
                    PropertyPath p = PropertyPath.parse(key);
                    if (p.root() == PropertyPath.Root.RETURN) {
                        throw new IllegalArgumentException("a span name cannot use the return value: {" + key + "}");
                    }
                    if (lit.length() > 0) {
                        parts.add(lit.toString());
                        lit.setLength(0);
                    }
                    parts.add(p);
            }
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
        }
        String constant = null;
        if (parts.isEmpty() || (parts.size() == 1 && parts.get(0) instanceof String)) {
            constant = parts.isEmpty() ? "" : (String) parts.get(0);
        }
        return new SpanNameTemplate(parts, constant);
    }

    public static String simpleName(String className) {
        String s = className.substring(className.lastIndexOf('.') + 1);
        return s.substring(s.lastIndexOf('$') + 1);
    }

    public boolean isConstant() {
        return constant != null;
    }

    public String render(Object self, Object[] args) {
        if (constant != null) {
            return constant;
        }
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String) {
                sb.append((String) p);
            } else {
                sb.append(((PropertyPath) p).resolve(self, args, null));
            }
        }
        return sb.toString();
    }
}
