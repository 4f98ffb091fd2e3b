package dev.peephole.collector.alerting;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.PromQLParser;
import dev.peephole.collector.promql.ast.Durations;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads Prometheus rule files ({@code groups:} of {@code alert} and {@code record} rules) and
 * checks them as Prometheus' rulefmt does: unknown fields, a rule that is both or neither kind,
 * bad metric or label names, fields that do not belong to the rule's kind, expressions that do
 * not parse (with the parser's position), templates that do not parse.
 */
public final class RuleFileParser {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    private RuleFileParser() {
    }

    /** The YAML shape of a rule file. */
    record FileNode(@JsonProperty("groups") List<GroupNode> groups) {
    }

    record GroupNode(@JsonProperty("name") String name,
                     @JsonProperty("interval") String interval,
                     @JsonProperty("query_offset") String queryOffset,
                     @JsonProperty("limit") Integer limit,
                     @JsonProperty("labels") Map<String, String> labels,
                     @JsonProperty("rules") List<RuleNode> rules) {
    }

    record RuleNode(@JsonProperty("record") String record,
                    @JsonProperty("alert") String alert,
                    @JsonProperty("expr") String expr,
                    @JsonProperty("for") String forDuration,
                    @JsonProperty("keep_firing_for") String keepFiringFor,
                    @JsonProperty("labels") Map<String, String> labels,
                    @JsonProperty("annotations") Map<String, String> annotations) {
    }

    /** A rule file that cannot be used, with every problem found (Prometheus lists them all too). */
    public static final class InvalidRulesException extends Exception {
        private final List<String> problems;

        public InvalidRulesException(String source, List<String> problems) {
            super(source + ": " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        public List<String> problems() {
            return problems;
        }
    }

    /**
     * Parses a rule file's text.
     *
     * @param defaultIntervalMs the interval of groups that name none
     */
    public static List<RuleGroupSpec> parse(String source, String yaml, long defaultIntervalMs)
            throws InvalidRulesException {
        FileNode file;
        try {
            file = YAML.readValue(yaml, FileNode.class);
        } catch (UnrecognizedPropertyException e) {
            throw new InvalidRulesException(source, List.of("field " + e.getPropertyName() + " not known at "
                    + path(e) + " (line " + e.getLocation().getLineNr() + ")"));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new InvalidRulesException(source, List.of("YAML" + where + ": " + e.getOriginalMessage()));
        }
        List<String> problems = new ArrayList<>();
        List<RuleGroupSpec> groups = new ArrayList<>();
        if (file == null || file.groups() == null) {
            return groups;
        }
        Set<String> names = new HashSet<>();
        for (GroupNode g : file.groups()) {
            if (g == null || g.name() == null || g.name().isBlank()) {
                problems.add("a group has no name");
                continue;
            }
            if (!names.add(g.name())) {
                problems.add("group \"" + g.name() + "\": repeated in the same file");
            }
            long interval = defaultIntervalMs;
            if (g.interval() != null) {
                interval = duration(g.interval(), "group \"" + g.name() + "\": interval", problems);
                if (interval <= 0) {
                    problems.add("group \"" + g.name() + "\": interval must be greater than zero");
                    interval = defaultIntervalMs;
                }
            }
            if (g.limit() != null && g.limit() < 0) {
                problems.add("group \"" + g.name() + "\": limit must not be negative");
            }
            List<RuleSpec> rules = new ArrayList<>();
            List<RuleNode> nodes = g.rules() == null ? List.of() : g.rules();
            for (int i = 0; i < nodes.size(); i++) {
                RuleSpec r = rule(nodes.get(i), "group \"" + g.name() + "\", rule " + (i + 1), g.labels(), problems);
                if (r != null) {
                    rules.add(r);
                }
            }
            groups.add(new RuleGroupSpec(g.name(), source, interval, g.limit() == null ? 0 : g.limit(), rules));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRulesException(source, problems);
        }
        return groups;
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    /** Checks one rule saved through the API; returns the problems (empty when valid). */
    public static List<String> check(RuleSpec spec) {
        List<String> problems = new ArrayList<>();
        checkRule(spec, "rule", problems);
        return problems;
    }

    private static RuleSpec rule(RuleNode n, String where, Map<String, String> groupLabels, List<String> problems) {
        if (n == null) {
            problems.add(where + ": empty rule");
            return null;
        }
        boolean isAlert = n.alert() != null;
        boolean isRecord = n.record() != null;
        if (isAlert == isRecord) {
            problems.add(where + ": one of 'record' or 'alert' must be set");
            return null;
        }
        String name = isAlert ? n.alert() : n.record();
        String at = where + ", \"" + name + "\"";
        if (isRecord) {
            if (n.forDuration() != null) {
                problems.add(at + ": invalid field 'for' in recording rule");
            }
            if (n.keepFiringFor() != null) {
                problems.add(at + ": invalid field 'keep_firing_for' in recording rule");
            }
            if (n.annotations() != null && !n.annotations().isEmpty()) {
                problems.add(at + ": invalid field 'annotations' in recording rule");
            }
        }
        long forMs = n.forDuration() == null ? 0 : duration(n.forDuration(), at + ": for", problems);
        long keepMs = n.keepFiringFor() == null ? 0 : duration(n.keepFiringFor(), at + ": keep_firing_for", problems);
        Map<String, String> labels = new LinkedHashMap<>();
        if (groupLabels != null) {
            labels.putAll(groupLabels);
        }
        if (n.labels() != null) {
            labels.putAll(n.labels());
        }
        RuleSpec spec = new RuleSpec(isAlert ? RuleSpec.Kind.ALERTING : RuleSpec.Kind.RECORDING, name,
                n.expr() == null ? "" : n.expr(), forMs, keepMs, nonNull(labels),
                n.annotations() == null ? Map.of() : nonNull(n.annotations()));
        checkRule(spec, at, problems);
        return spec;
    }

    private static Map<String, String> nonNull(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v == null ? "" : v));
        return out;
    }

    private static void checkRule(RuleSpec spec, String at, List<String> problems) {
        if (spec.name() == null || spec.name().isBlank()) {
            problems.add(at + ": the rule has no name");
        } else if (!spec.alerting() && !METRIC_NAME.matcher(spec.name()).matches()) {
            problems.add(at + ": invalid recording rule name: " + spec.name());
        }
        if (spec.expr().isBlank()) {
            problems.add(at + ": field 'expr' must be set in rule");
        } else {
            try {
                PromQLParser.parse(spec.expr());
            } catch (PromQLParseException e) {
                problems.add(at + ": could not parse expression: " + e.getMessage());
            }
        }
        if (spec.forMs() < 0 || spec.keepFiringForMs() < 0) {
            problems.add(at + ": durations must not be negative");
        }
        for (String label : spec.labels().keySet()) {
            if (!LABEL_NAME.matcher(label).matches() || label.startsWith("__")) {
                problems.add(at + ": invalid label name: " + label);
            }
        }
        for (Map.Entry<String, String> a : spec.annotations().entrySet()) {
            if (!LABEL_NAME.matcher(a.getKey()).matches()) {
                problems.add(at + ": invalid annotation name: " + a.getKey());
            }
            templateProblem(at + ": annotation " + a.getKey(), a.getValue(), problems);
        }
        for (Map.Entry<String, String> l : spec.labels().entrySet()) {
            templateProblem(at + ": label " + l.getKey(), l.getValue(), problems);
        }
    }

    private static void templateProblem(String at, String text, List<String> problems) {
        try {
            AlertTemplate.parse(text);
        } catch (AlertTemplate.TemplateException e) {
            problems.add(at + ": " + e.getMessage());
        }
    }

    private static long duration(String text, String at, List<String> problems) {
        try {
            return Durations.parse(text.trim());
        } catch (IllegalArgumentException e) {
            problems.add(at + ": " + e.getMessage());
            return 0;
        }
    }
}
