package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.GoFloat;
import dev.peephole.collector.promql.parser.GoParse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The part of Go's text/template that Prometheus alert labels and annotations use, with
 * Prometheus' data and functions. Supported: text with {@code {{ pipeline }}} actions and
 * {@code {{- -}}} trimming; comments {@code {{/* *&#47;}}}; values {@code $labels},
 * {@code $labels.name}, {@code $value}, {@code $externalLabels.name}, {@code $externalURL} and
 * their dot forms ({@code .Labels.name}, {@code .Value}); string and number literals;
 * pipelines with {@code |}; the functions {@code humanize}, {@code humanize1024},
 * {@code humanizeDuration}, {@code humanizePercentage}, {@code printf}, {@code toUpper},
 * {@code toLower}, {@code title}, {@code stripPort}. Control actions ({@code if}, {@code range},
 * {@code with}, {@code define}) are refused when the rule is saved, not silently ignored.
 * Missing labels expand to the empty string, as Prometheus' {@code missingkey=zero}.
 */
public final class AlertTemplate {

    /** A template that cannot be parsed or expanded. */
    public static final class TemplateException extends Exception {
        public TemplateException(String message) {
            super(message);
        }
    }

    /** What a template sees. */
    public record Data(Map<String, String> labels, double value, Map<String, String> externalLabels,
                       String externalUrl) {
    }

    private sealed interface Node permits Text, Action {
    }

    private record Text(String text) implements Node {
    }

    private record Action(List<List<Operand>> commands) implements Node {
    }

    private sealed interface Operand permits Field, Literal, Function {
    }

    /** {@code $labels.x}, {@code .Value}, ...: root variable and optional key. */
    private record Field(String root, String key) implements Operand {
    }

    private record Literal(Object value) implements Operand {
    }

    private record Function(String name) implements Operand {
    }

    private static final List<String> FUNCTIONS = List.of("humanize", "humanize1024", "humanizeDuration",
            "humanizePercentage", "printf", "toUpper", "toLower", "title", "stripPort");

    private final List<Node> nodes;

    private AlertTemplate(List<Node> nodes) {
        this.nodes = nodes;
    }

    public static AlertTemplate parse(String text) throws TemplateException {
        List<Node> nodes = new ArrayList<>();
        int i = 0;
        StringBuilder pending = new StringBuilder();
        while (i < text.length()) {
            int open = text.indexOf("{{", i);
            if (open < 0) {
                pending.append(text, i, text.length());
                break;
            }
            pending.append(text, i, open);
            int close = text.indexOf("}}", open + 2);
            if (close < 0) {
                throw new TemplateException("template: unclosed action at offset " + open);
            }
            String inner = text.substring(open + 2, close);
            boolean trimLeft = inner.startsWith("- ") || inner.equals("-");
            boolean trimRight = inner.endsWith(" -");
            if (trimLeft) {
                inner = inner.substring(1);
                int end = pending.length();
                while (end > 0 && Character.isWhitespace(pending.charAt(end - 1))) {
                    end--;
                }
                pending.setLength(end);
            }
            if (trimRight) {
                inner = inner.substring(0, inner.length() - 1);
            }
            if (pending.length() > 0) {
                nodes.add(new Text(pending.toString()));
                pending.setLength(0);
            }
            String action = inner.trim();
            if (!(action.startsWith("/*") && action.endsWith("*/"))) {
                nodes.add(new Action(pipeline(action, open)));
            }
            i = close + 2;
            if (trimRight) {
                while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                    i++;
                }
            }
        }
        if (pending.length() > 0) {
            nodes.add(new Text(pending.toString()));
        }
        return new AlertTemplate(nodes);
    }

    private static List<List<Operand>> pipeline(String action, int offset) throws TemplateException {
        List<String> words = words(action, offset);
        if (words.isEmpty()) {
            throw new TemplateException("template: missing value for command at offset " + offset);
        }
        String first = words.get(0);
        if (List.of("if", "else", "end", "range", "with", "define", "template", "block", "break", "continue")
                .contains(first)) {
            throw new TemplateException("template: {{" + first + "}} is not supported (Peephole supports values, "
                    + "pipelines and the functions " + String.join(", ", FUNCTIONS) + ")");
        }
        List<List<Operand>> commands = new ArrayList<>();
        List<Operand> current = new ArrayList<>();
        for (String w : words) {
            if (w.equals("|")) {
                if (current.isEmpty()) {
                    throw new TemplateException("template: missing command before '|' at offset " + offset);
                }
                commands.add(current);
                current = new ArrayList<>();
                continue;
            }
            current.add(operand(w, offset));
        }
        if (current.isEmpty()) {
            throw new TemplateException("template: missing command after '|' at offset " + offset);
        }
        commands.add(current);
        for (int c = 0; c < commands.size(); c++) {
            List<Operand> cmd = commands.get(c);
            if (!(cmd.get(0) instanceof Function) && cmd.size() > 1) {
                throw new TemplateException("template: can't give argument to non-function " + words.get(0)
                        + " at offset " + offset);
            }
            if (c > 0 && !(cmd.get(0) instanceof Function)) {
                throw new TemplateException("template: non-function in pipeline at offset " + offset);
            }
        }
        return commands;
    }

    private static List<String> words(String s, int offset) throws TemplateException {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '"' || c == '`') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != c) {
                    j += (c == '"' && s.charAt(j) == '\\') ? 2 : 1;
                }
                if (j >= s.length()) {
                    throw new TemplateException("template: unterminated quoted string at offset " + offset);
                }
                out.add(s.substring(i, j + 1));
                i = j + 1;
            } else if (c == '|') {
                out.add("|");
                i++;
            } else {
                int j = i;
                while (j < s.length() && !Character.isWhitespace(s.charAt(j)) && s.charAt(j) != '|') {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        return out;
    }

    private static Operand operand(String w, int offset) throws TemplateException {
        if (w.startsWith("\"")) {
            try {
                return new Literal(GoParse.unquote(w));
            } catch (RuntimeException e) {
                throw new TemplateException("template: bad string " + w + " at offset " + offset);
            }
        }
        if (w.startsWith("`")) {
            return new Literal(w.substring(1, w.length() - 1));
        }
        if (w.startsWith("$") || w.startsWith(".")) {
            String[] parts = (w.startsWith(".") ? w.substring(1) : w).split("\\.", 3);
            String root = switch (parts[0]) {
                case "$labels", "Labels" -> "labels";
                case "$externalLabels", "ExternalLabels" -> "externalLabels";
                case "$value", "Value" -> "value";
                case "$externalURL", "ExternalURL" -> "externalURL";
                case "$", "" -> "dot";
                default -> throw new TemplateException("template: undefined variable \"" + parts[0] + "\" at offset "
                        + offset);
            };
            if (parts.length > 2 || (parts.length == 2 && !(root.equals("labels") || root.equals("externalLabels")))) {
                throw new TemplateException("template: can't evaluate field in " + w + " at offset " + offset);
            }
            return new Field(root, parts.length == 2 ? parts[1] : null);
        }
        if (FUNCTIONS.contains(w)) {
            return new Function(w);
        }
        try {
            return new Literal(Double.parseDouble(w));
        } catch (NumberFormatException e) {
            throw new TemplateException("template: function \"" + w + "\" not defined at offset " + offset);
        }
    }

    /** Expands the template; errors (a function given a wrong argument) are returned as Prometheus does, in the text. */
    public String expand(Data data) {
        StringBuilder out = new StringBuilder();
        for (Node n : nodes) {
            if (n instanceof Text t) {
                out.append(t.text());
            } else {
                try {
                    out.append(print(run(((Action) n).commands(), data)));
                } catch (TemplateException e) {
                    out.append("<error expanding template: ").append(e.getMessage()).append('>');
                }
            }
        }
        return out.toString();
    }

    /** Parses and expands in one step; a template that does not parse gives its error text, as Prometheus does. */
    public static String expand(String text, Data data) {
        try {
            return parse(text).expand(data);
        } catch (TemplateException e) {
            return "<error expanding template: " + e.getMessage() + ">";
        }
    }

    private static Object run(List<List<Operand>> commands, Data data) throws TemplateException {
        Object piped = null;
        boolean hasPiped = false;
        for (List<Operand> cmd : commands) {
            Operand head = cmd.get(0);
            if (head instanceof Function f) {
                List<Object> args = new ArrayList<>();
                for (Operand o : cmd.subList(1, cmd.size())) {
                    args.add(value(o, data));
                }
                if (hasPiped) {
                    args.add(piped);
                }
                piped = call(f.name(), args);
            } else {
                piped = value(head, data);
            }
            hasPiped = true;
        }
        return piped;
    }

    private static Object value(Operand o, Data data) throws TemplateException {
        if (o instanceof Literal l) {
            return l.value();
        }
        if (o instanceof Function f) {
            return call(f.name(), List.of());
        }
        Field field = (Field) o;
        return switch (field.root()) {
            case "labels" -> field.key() == null ? data.labels() : data.labels().getOrDefault(field.key(), "");
            case "externalLabels" -> field.key() == null ? data.externalLabels()
                    : data.externalLabels().getOrDefault(field.key(), "");
            case "value" -> data.value();
            case "externalURL" -> data.externalUrl();
            default -> data;
        };
    }

    private static Object call(String name, List<Object> args) throws TemplateException {
        if (name.equals("printf")) {
            if (args.isEmpty() || !(args.get(0) instanceof String format)) {
                throw new TemplateException("printf: the first argument must be a format string");
            }
            return GoFloat.sprintf(format, args.subList(1, args.size()).toArray());
        }
        if (args.size() != 1) {
            throw new TemplateException("wrong number of args for " + name + ": want 1 got " + args.size());
        }
        Object a = args.get(0);
        return switch (name) {
            case "humanize" -> GoFloat.humanize(number(name, a));
            case "humanize1024" -> GoFloat.humanize1024(number(name, a));
            case "humanizeDuration" -> GoFloat.humanizeDuration(number(name, a));
            case "humanizePercentage" -> GoFloat.formatG(number(name, a) * 100, 4) + "%";
            case "toUpper" -> print(a).toUpperCase(Locale.ROOT);
            case "toLower" -> print(a).toLowerCase(Locale.ROOT);
            case "title" -> title(print(a));
            case "stripPort" -> stripPort(print(a));
            default -> throw new TemplateException("function \"" + name + "\" not defined");
        };
    }

    private static double number(String fn, Object a) throws TemplateException {
        if (a instanceof Double d) {
            return d;
        }
        try {
            return Double.parseDouble(print(a).trim());
        } catch (NumberFormatException e) {
            throw new TemplateException(fn + ": strconv.ParseFloat: parsing \"" + print(a) + "\": invalid syntax");
        }
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean start = true;
        for (char c : s.toCharArray()) {
            b.append(start ? Character.toTitleCase(c) : c);
            start = !Character.isLetterOrDigit(c) && c != '_' && c != '\'';
        }
        return b.toString();
    }

    private static String stripPort(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(1, end) : hostPort;
        }
        int colon = hostPort.lastIndexOf(':');
        return colon >= 0 && hostPort.indexOf(':') == colon ? hostPort.substring(0, colon) : hostPort;
    }

    /** Go's %v of the template's values. */
    @SuppressWarnings("unchecked")
    private static String print(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof Double d) {
            return GoFloat.formatV(d);
        }
        if (o instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("map[");
            boolean first = true;
            for (Map.Entry<String, String> e : new TreeMap<>((Map<String, String>) m).entrySet()) {
                b.append(first ? "" : " ").append(e.getKey()).append(':').append(e.getValue());
                first = false;
            }
            return b.append(']').toString();
        }
        return o.toString();
    }
}
