package dev.peephole.collector.notify;

import dev.peephole.collector.promql.GoFloat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The one template engine of the collector: a small, documented subset of Go's text/template
 * for Alertmanager-style notification titles and messages and for Prometheus-style alert labels
 * and annotations (see the README): text; comments; {@code {{ pipeline }}}; {@code {{ if }} /
 * {{ else if }} / {{ else }} / {{ end }}}; {@code {{ range pipeline }} ... {{ end }}} (dot is
 * the element); {@code {{ template "name" . }}} for Peephole's default notification templates;
 * trim markers {@code {{-} and {@code -}}}; field chains {@code .A.B} (map keys too) and
 * {@code $} (the root), {@code $x.y} being the root's field {@code x}; string (quoted and raw)
 * and number literals; parenthesised pipelines; pipes {@code a | f}; functions {@code len eq ne
 * lt gt le ge not and or toUpper toLower title join printf humanize humanize1024
 * humanizeDuration humanizePercentage stripPort}. Values print as Go's {@code %v} does. With
 * {@code html} every printed value is HTML-escaped (as Go's html/template does in text).
 */
public final class GoTemplate {

    private static final java.util.Set<String> FUNCTIONS = java.util.Set.of("len", "eq", "ne", "lt", "gt", "le", "ge",
            "not", "and", "or", "toUpper", "toLower", "title", "join", "printf", "humanize", "humanize1024",
            "humanizeDuration", "humanizePercentage", "stripPort");
    private final List<Node> nodes;
    private final boolean html;

    private GoTemplate(List<Node> nodes, boolean html) {
        this.nodes = nodes;
        this.html = html;
    }

    /**
     * What a kind of template may use beyond the common subset.
     *
     * @param variables the {@code $name} roots it may name ({@code null}: any root field)
     * @param namedTemplates whether {@code {{ template "name" }}} may call a default template
     */
    public record Dialect(java.util.Set<String> variables, boolean namedTemplates) {
        /** Notification templates: any root field, the default named templates. */
        public static final Dialect NOTIFICATION = new Dialect(null, true);
    }

    /** Parses a notification template; throws IllegalArgumentException naming the problem and where. */
    public static GoTemplate parse(String text, boolean html) {
        return parse(text, html, Dialect.NOTIFICATION);
    }

    /** Parses {@code text} in {@code dialect}; throws IllegalArgumentException naming the problem and where. */
    public static GoTemplate parse(String text, boolean html, Dialect dialect) {
        Parser p = new Parser(text, dialect);
        List<Node> nodes = p.parseList(false);
        if (p.pendingEnd != null) {
            throw new IllegalArgumentException("template: unexpected {{" + p.pendingEnd + "}}");
        }
        return new GoTemplate(nodes, html);
    }

    public String render(Object data) {
        StringBuilder out = new StringBuilder();
        Scope scope = new Scope(data, data);
        for (Node n : nodes) {
            n.exec(scope, out, html);
        }
        return out.toString();
    }

    // ---- data helpers ----

    /** A label or annotation set: {@code .Names}, {@code .Values}, {@code .SortedPairs}, or a key. */
    public static final class Kv extends java.util.TreeMap<String, String> {
        public Kv(Map<String, String> m) {
            super(m);
        }

        Object field(String name) {
            return switch (name) {
                case "Names" -> new ArrayList<>(keySet());
                case "Values" -> new ArrayList<>(values());
                case "SortedPairs" -> entrySet().stream().map(e -> Map.of("Name", e.getKey(), "Value", e.getValue())).toList();
                default -> get(name);
            };
        }
    }

    /** A list of alerts with {@code .Firing} and {@code .Resolved}. */
    public static final class AlertList extends ArrayList<Map<String, Object>> {
        public AlertList(Collection<Map<String, Object>> alerts) {
            super(alerts);
        }

        Object field(String name) {
            return switch (name) {
                case "Firing" -> new AlertList(stream().filter(a -> "firing".equals(a.get("Status"))).toList());
                case "Resolved" -> new AlertList(stream().filter(a -> "resolved".equals(a.get("Status"))).toList());
                default -> throw new IllegalArgumentException("template: alerts have no field " + name);
            };
        }
    }

    // ---- evaluation ----

    private record Scope(Object dot, Object root) {
    }

    private interface Node {
        void exec(Scope s, StringBuilder out, boolean html);
    }

    private record Text(String text) implements Node {
        public void exec(Scope s, StringBuilder out, boolean html) {
            out.append(text);
        }
    }

    private record Print(Pipeline p) implements Node {
        public void exec(Scope s, StringBuilder out, boolean html) {
            String v = str(p.eval(s));
            out.append(html ? escapeHtml(v) : v);
        }
    }

    private record If(Pipeline cond, List<Node> then, List<Node> otherwise) implements Node {
        public void exec(Scope s, StringBuilder out, boolean html) {
            for (Node n : truth(cond.eval(s)) ? then : otherwise) {
                n.exec(s, out, html);
            }
        }
    }

    private record Range(Pipeline over, List<Node> body, List<Node> otherwise) implements Node {
        public void exec(Scope s, StringBuilder out, boolean html) {
            Object v = over.eval(s);
            // a map ranges in key order, as Go's does
            Collection<?> items = v instanceof Map<?, ?> m ? new java.util.TreeMap<>(m).values()
                    : v instanceof Collection<?> c ? c : List.of();
            if (items.isEmpty()) {
                for (Node n : otherwise) {
                    n.exec(s, out, html);
                }
            }
            for (Object item : items) {
                Scope inner = new Scope(item, s.root());
                for (Node n : body) {
                    n.exec(inner, out, html);
                }
            }
        }
    }

    private record Call(String name, Pipeline arg) implements Node {
        public void exec(Scope s, StringBuilder out, boolean html) {
            GoTemplate t = DefaultTemplates.get(name);
            if (t == null) {
                throw new IllegalArgumentException("template: no template " + name);
            }
            Object data = arg == null ? null : arg.eval(s);
            // the named template keeps its own escaping mode only when this one does not escape
            out.append(html && !t.html ? escapeHtml(t.render(data)) : t.render(data));
        }
    }

    private interface Operand {
        Object eval(Scope s);
    }

    private record Pipeline(List<List<Operand>> commands) {
        Object eval(Scope s) {
            Object prev = null;
            boolean first = true;
            for (List<Operand> cmd : commands) {
                prev = evalCommand(cmd, s, first ? null : new Object[] {prev});
                first = false;
            }
            return prev;
        }
    }

    private record Literal(Object value) implements Operand {
        public Object eval(Scope s) {
            return value;
        }
    }

    private record Fields(boolean fromRoot, List<String> path) implements Operand {
        public Object eval(Scope s) {
            Object v = fromRoot ? s.root() : s.dot();
            for (String f : path) {
                v = field(v, f);
            }
            return v;
        }
    }

    private record Func(String name) implements Operand {
        public Object eval(Scope s) {
            return call(name, List.of());
        }
    }

    private record Sub(Pipeline p) implements Operand {
        public Object eval(Scope s) {
            return p.eval(s);
        }
    }

    private static Object evalCommand(List<Operand> cmd, Scope s, Object[] piped) {
        if (cmd.get(0) instanceof Func f) {
            List<Object> args = new ArrayList<>();
            for (Operand o : cmd.subList(1, cmd.size())) {
                args.add(o.eval(s));
            }
            if (piped != null) {
                args.add(piped[0]);
            }
            return call(f.name(), args);
        }
        if (cmd.size() != 1 || piped != null) {
            throw new IllegalArgumentException("template: can't give arguments to a non-function");
        }
        return cmd.get(0).eval(s);
    }

    private static Object field(Object v, String name) {
        if (v == null) {
            return null;
        }
        if (v instanceof Kv kv) {
            return kv.field(name);
        }
        if (v instanceof AlertList al) {
            return al.field(name);
        }
        if (v instanceof Map<?, ?> m) {
            return m.get(name);
        }
        throw new IllegalArgumentException("template: can't evaluate field " + name + " in " + v.getClass().getSimpleName());
    }

    private static Object call(String name, List<Object> a) {
        switch (name) {
            case "len" -> {
                need(name, a, 1);
                Object v = a.get(0);
                return v instanceof Collection<?> c ? c.size() : v instanceof Map<?, ?> m ? m.size() : str(v).length();
            }
            case "eq", "ne", "lt", "gt", "le", "ge" -> {
                need(name, a, 2);
                int c = compare(a.get(0), a.get(1));
                return switch (name) {
                    case "eq" -> c == 0;
                    case "ne" -> c != 0;
                    case "lt" -> c < 0;
                    case "gt" -> c > 0;
                    case "le" -> c <= 0;
                    default -> c >= 0;
                };
            }
            case "not" -> {
                need(name, a, 1);
                return !truth(a.get(0));
            }
            case "and" -> {
                Object last = true;
                for (Object o : a) {
                    last = o;
                    if (!truth(o)) {
                        return o;
                    }
                }
                return last;
            }
            case "or" -> {
                Object last = false;
                for (Object o : a) {
                    last = o;
                    if (truth(o)) {
                        return o;
                    }
                }
                return last;
            }
            case "toUpper" -> {
                need(name, a, 1);
                return str(a.get(0)).toUpperCase(Locale.ROOT);
            }
            case "toLower" -> {
                need(name, a, 1);
                return str(a.get(0)).toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                need(name, a, 1);
                return title(str(a.get(0)));
            }
            case "printf" -> {
                if (a.isEmpty() || !(a.get(0) instanceof String format)) {
                    throw new IllegalArgumentException("printf: the first argument must be a format string");
                }
                // numbers are float64 as in Prometheus' templates (a whole one still prints with %d)
                return GoFloat.sprintf(format, a.subList(1, a.size()).stream()
                        .map(o -> o instanceof Number n ? (Object) n.doubleValue() : o).toArray());
            }
            case "humanize" -> {
                need(name, a, 1);
                return GoFloat.humanize(number(name, a.get(0)));
            }
            case "humanize1024" -> {
                need(name, a, 1);
                return GoFloat.humanize1024(number(name, a.get(0)));
            }
            case "humanizeDuration" -> {
                need(name, a, 1);
                return GoFloat.humanizeDuration(number(name, a.get(0)));
            }
            case "humanizePercentage" -> {
                need(name, a, 1);
                return GoFloat.formatG(number(name, a.get(0)) * 100, 4) + "%";
            }
            case "stripPort" -> {
                need(name, a, 1);
                return stripPort(str(a.get(0)));
            }
            case "join" -> {
                need(name, a, 2);
                Object list = a.get(1);
                Collection<?> items = list instanceof Collection<?> c ? c : List.of();
                return String.join(str(a.get(0)), items.stream().map(GoTemplate::str).toList());
            }
            default -> throw new IllegalArgumentException("template: function " + name + " not defined");
        }
    }

    private static double number(String fn, Object a) {
        if (a instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(str(a).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(fn + ": strconv.ParseFloat: parsing \"" + str(a) + "\": invalid syntax");
        }
    }

    /** Upper-cases the first letter of each word, as golang.org/x/text/cases' Title (apostrophes join words). */
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

    private static void need(String name, List<Object> a, int n) {
        if (a.size() != n) {
            throw new IllegalArgumentException("template: wrong number of args for " + name + ": want " + n + " got " + a.size());
        }
    }

    private static int compare(Object x, Object y) {
        if (x instanceof Number a && y instanceof Number b) {
            return Double.compare(a.doubleValue(), b.doubleValue());
        }
        return str(x).compareTo(str(y));
    }

    static boolean truth(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return !str(v).isEmpty();
    }

    /** Go's {@code %v} of a value (a missing one prints empty, as {@code missingkey=zero}). */
    static String str(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            return GoFloat.formatV(d);
        }
        if (v instanceof Collection<?> c) {
            return "[" + String.join(" ", c.stream().map(GoTemplate::str).toList()) + "]";
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder b = new StringBuilder("map[");
            boolean first = true;
            for (Map.Entry<?, ?> e : new java.util.TreeMap<>(m).entrySet()) {
                b.append(first ? "" : " ").append(e.getKey()).append(':').append(str(e.getValue()));
                first = false;
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    public static String escapeHtml(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&#34;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    // ---- parsing ----

    private static final class Parser {
        private final String src;
        private final Dialect dialect;
        private int pos;
        private boolean trimNextText;
        String pendingEnd;

        Parser(String src, Dialect dialect) {
            this.src = src;
            this.dialect = dialect;
        }

        /** Nodes up to {{end}} / {{else}} (inBlock) or the end of the text. */
        List<Node> parseList(boolean inBlock) {
            List<Node> out = new ArrayList<>();
            while (pos < src.length()) {
                int open = src.indexOf("{{", pos);
                String text = open < 0 ? src.substring(pos) : src.substring(pos, open);
                if (trimNextText) {
                    text = text.stripLeading();
                    trimNextText = false;
                }
                if (open < 0) {
                    out.add(new Text(text));
                    pos = src.length();
                    break;
                }
                int close = src.indexOf("}}", open + 2);
                if (close < 0) {
                    throw new IllegalArgumentException("template: unclosed action at offset " + open);
                }
                String action = src.substring(open + 2, close);
                if (action.startsWith("-") && (action.length() == 1 || Character.isWhitespace(action.charAt(1)))) {
                    text = text.stripTrailing();
                    action = action.substring(1);
                }
                if (action.endsWith("-") && action.length() >= 2 && Character.isWhitespace(action.charAt(action.length() - 2))) {
                    trimNextText = true;
                    action = action.substring(0, action.length() - 1);
                }
                out.add(new Text(text));
                pos = close + 2;
                action = action.strip();
                if (action.equals("end") || action.equals("else") || action.startsWith("else ")) {
                    if (!inBlock) {
                        pendingEnd = action;
                        return out;
                    }
                    pendingEnd = action;
                    return out;
                }
                if (action.startsWith("/*")) {
                    continue;
                }
                try {
                    parseAction(action, out);
                } catch (IllegalArgumentException e) {
                    throw e.getMessage().contains(" at offset ") ? e
                            : new IllegalArgumentException(e.getMessage() + " at offset " + open, e);
                }
            }
            return out;
        }

        /** One action that is not {@code end}/{@code else}/a comment, appended to {@code out}. */
        private void parseAction(String action, List<Node> out) {
            {
                if (action.startsWith("if ")) {
                    out.add(parseIf(action.substring(3)));
                } else if (action.startsWith("range ")) {
                    Pipeline over = pipeline(action.substring(6));
                    List<Node> body = parseList(true);
                    List<Node> otherwise = List.of();
                    if ("else".equals(pendingEnd)) {
                        pendingEnd = null;
                        otherwise = parseList(true);
                    }
                    expectEnd("range");
                    out.add(new Range(over, body, otherwise));
                } else if (action.startsWith("template ") && dialect.namedTemplates()) {
                    String rest = action.substring(9).strip();
                    List<String> toks = tokens(rest);
                    if (toks.isEmpty() || !toks.get(0).startsWith("\"")) {
                        throw new IllegalArgumentException("template: template needs a quoted name");
                    }
                    String name = unquote(toks.get(0));
                    if (!DefaultTemplates.NAMES.contains(name)) {
                        throw new IllegalArgumentException("template: no template " + quoteName(name));
                    }
                    Pipeline arg = toks.size() > 1 ? pipeline(rest.substring(toks.get(0).length())) : null;
                    out.add(new Call(name, arg));
                } else if (action.startsWith("define ") || action.startsWith("with ") || action.startsWith("block ")
                        || action.startsWith("template ") || action.equals("break") || action.equals("continue")) {
                    throw new IllegalArgumentException("template: {{" + action.split(" ")[0]
                            + "}} is not supported (not in Peephole's template subset)");
                } else {
                    out.add(new Print(pipeline(action)));
                }
            }
        }

        private Node parseIf(String condText) {
            Pipeline cond = pipeline(condText);
            List<Node> then = parseList(true);
            List<Node> otherwise = List.of();
            if ("else".equals(pendingEnd)) {
                pendingEnd = null;
                otherwise = parseList(true);
                expectEnd("if");
            } else if (pendingEnd != null && pendingEnd.startsWith("else if ")) {
                String next = pendingEnd.substring(8);
                pendingEnd = null;
                // the nested if consumes the shared {{end}}
                otherwise = List.of(parseIf(next));
                return new If(cond, then, otherwise);
            } else {
                expectEnd("if");
            }
            return new If(cond, then, otherwise);
        }

        private void expectEnd(String what) {
            if (!"end".equals(pendingEnd)) {
                throw new IllegalArgumentException("template: {{" + what + "}} without {{end}}");
            }
            pendingEnd = null;
        }

        Pipeline pipeline(String text) {
            List<List<Operand>> commands = new ArrayList<>();
            for (String part : splitPipes(text)) {
                List<Operand> cmd = new ArrayList<>();
                List<String> toks = tokens(part.strip());
                if (toks.isEmpty()) {
                    throw new IllegalArgumentException("template: missing value in " + quoteName(text.strip()));
                }
                for (int i = 0; i < toks.size(); i++) {
                    cmd.add(operand(toks.get(i), i == 0));
                }
                commands.add(cmd);
            }
            return new Pipeline(commands);
        }

        private Operand operand(String t, boolean first) {
            if (t.startsWith("\"")) {
                return new Literal(unquote(t));
            }
            if (t.startsWith("`")) {
                return new Literal(t.substring(1, t.length() - 1));
            }
            if (t.startsWith("(")) {
                return new Sub(pipeline(t.substring(1, t.length() - 1)));
            }
            if (t.equals("true") || t.equals("false")) {
                return new Literal(Boolean.parseBoolean(t));
            }
            if (Character.isDigit(t.charAt(0)) || t.charAt(0) == '-') {
                try {
                    return new Literal(t.contains(".") ? (Object) Double.parseDouble(t) : (Object) Long.parseLong(t));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("template: bad number " + t);
                }
            }
            if (t.equals(".")) {
                return new Fields(false, List.of());
            }
            if (t.startsWith(".") || t.startsWith("$")) {
                boolean root = t.startsWith("$");
                String rest = root ? t.substring(1) : t;
                List<String> path = new ArrayList<>();
                for (String f : rest.split("\\.")) {
                    if (!f.isEmpty()) {
                        path.add(f);
                    }
                }
                if (root && !rest.startsWith(".") && !rest.isEmpty() && dialect.variables() != null
                        && !dialect.variables().contains(path.get(0))) {
                    throw new IllegalArgumentException("template: undefined variable \"$" + path.get(0) + "\"");
                }
                return new Fields(root, path);
            }
            if (t.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                if (!FUNCTIONS.contains(t)) {
                    throw new IllegalArgumentException("template: function " + t + " not defined");
                }
                return new Func(t);
            }
            throw new IllegalArgumentException("template: unexpected " + quoteName(t));
        }

        private static List<String> splitPipes(String s) {
            List<String> out = new ArrayList<>();
            int depth = 0;
            boolean quoted = false;
            int start = 0;
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (quoted) {
                    if (c == '\\') {
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == '`') {
                    int close = s.indexOf('`', i + 1);
                    i = close < 0 ? s.length() : close; // a raw string: no escapes, no pipes
                } else if (c == '(') {
                    depth++;
                } else if (c == ')') {
                    depth--;
                } else if (c == '|' && depth == 0) {
                    out.add(s.substring(start, i));
                    start = i + 1;
                }
            }
            out.add(s.substring(start));
            return out;
        }

        private static List<String> tokens(String s) {
            List<String> out = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                    continue;
                }
                int start = i;
                if (c == '`') {
                    int close = s.indexOf('`', i + 1);
                    if (close < 0) {
                        throw new IllegalArgumentException("template: unterminated raw quoted string");
                    }
                    i = close + 1;
                } else if (c == '"') {
                    i++;
                    while (i < s.length() && s.charAt(i) != '"') {
                        i += s.charAt(i) == '\\' ? 2 : 1;
                    }
                    if (i >= s.length()) {
                        throw new IllegalArgumentException("template: unterminated string");
                    }
                    i++;
                } else if (c == '(') {
                    int depth = 0;
                    boolean quoted = false;
                    for (; i < s.length(); i++) {
                        char d = s.charAt(i);
                        if (quoted) {
                            if (d == '\\') {
                                i++;
                            } else if (d == '"') {
                                quoted = false;
                            }
                        } else if (d == '"') {
                            quoted = true;
                        } else if (d == '(') {
                            depth++;
                        } else if (d == ')' && --depth == 0) {
                            i++;
                            break;
                        }
                    }
                    if (depth != 0) {
                        throw new IllegalArgumentException("template: unclosed parenthesis");
                    }
                } else {
                    while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && s.charAt(i) != '(') {
                        i++;
                    }
                }
                out.add(s.substring(start, i));
            }
            return out;
        }

        private static String unquote(String q) {
            StringBuilder b = new StringBuilder();
            for (int i = 1; i < q.length() - 1; i++) {
                char c = q.charAt(i);
                if (c == '\\' && i + 1 < q.length() - 1) {
                    char n = q.charAt(++i);
                    b.append(switch (n) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> n;
                    });
                } else {
                    b.append(c);
                }
            }
            return b.toString();
        }

        private static String quoteName(String s) {
            return "\"" + s + "\"";
        }
    }
}
