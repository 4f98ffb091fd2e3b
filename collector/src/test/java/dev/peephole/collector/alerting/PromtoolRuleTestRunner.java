package dev.peephole.collector.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.EngineOptions;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PromQLParser;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.PromqlTestRunner;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.ast.Durations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Runs a rule unit-test file in promtool's format ({@code promtool test rules}) on Peephole's
 * rule evaluation and PromQL engine, so the same files can be checked by both: input series in
 * the expanding notation, evaluation every {@code evaluation_interval} from 0, firing alerts
 * compared at each {@code eval_time} with the evaluation at or before it, and
 * {@code promql_expr_test} queries against the input plus what the rules recorded.
 */
final class PromtoolRuleTestRunner {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Every failure found in the file, each rule reading its own samples; empty when it passes. */
    static List<String> run(Path testFile) throws Exception {
        return run(testFile, false);
    }

    /**
     * Every failure found in the file; empty when it passes.
     *
     * @param batched whether each group evaluation reads ahead what its rules need ({@link EngineRuleQuery#prepare})
     */
    static List<String> run(Path testFile, boolean batched) throws Exception {
        JsonNode root = YAML.readTree(Files.readString(testFile));
        long evalInterval = dur(root.path("evaluation_interval").asText("1m"));
        List<RuleGroupSpec> specs = new ArrayList<>();
        for (JsonNode f : root.path("rule_files")) {
            Path file = testFile.resolveSibling(f.asText());
            specs.addAll(RuleFileParser.parse(file.toString(), Files.readString(file), evalInterval));
        }
        List<String> failures = new ArrayList<>();
        int n = 0;
        for (JsonNode test : root.path("tests")) {
            n++;
            String name = test.path("name").asText("test " + n);
            for (String f : runTest(test, specs, evalInterval, batched)) {
                failures.add(name + ": " + f);
            }
        }
        return failures;
    }

    private static List<String> runTest(JsonNode test, List<RuleGroupSpec> specs, long evalInterval, boolean batched) {
        MemorySeries storage = new MemorySeries();
        long interval = dur(test.path("interval").asText("1m"));
        for (JsonNode s : test.path("input_series")) {
            Labels labels = labels(s.path("series").asText());
            List<Double> values = PromqlTestRunner.expandValues(s.path("values").asText());
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i) != null) {
                    storage.add(labels, i * interval, values.get(i));
                }
            }
        }
        Map<String, String> external = new LinkedHashMap<>();
        test.path("external_labels").fields().forEachRemaining(e -> external.put(e.getKey(), e.getValue().asText()));
        AlertingRule.TemplateContext ctx = new AlertingRule.TemplateContext(external,
                test.path("external_url").asText(""));
        Engine engine = new Engine(storage, EngineOptions.defaults().withLeftOpenIntervals(false));
        EngineRuleQuery query = new EngineRuleQuery(engine, batched);
        List<RuleGroup> groups = specs.stream().map(RuleGroup::new).toList();

        TreeMap<Long, List<JsonNode>> alertTests = new TreeMap<>();
        for (JsonNode t : test.path("alert_rule_test")) {
            alertTests.computeIfAbsent(dur(t.path("eval_time").asText()), k -> new ArrayList<>()).add(t);
        }
        long maxT = alertTests.isEmpty() ? 0 : alertTests.lastKey();
        for (JsonNode t : test.path("promql_expr_test")) {
            maxT = Math.max(maxT, dur(t.path("eval_time").asText("0s")));
        }
        List<String> failures = new ArrayList<>();
        Iterator<Map.Entry<Long, List<JsonNode>>> pending = alertTests.entrySet().iterator();
        Map.Entry<Long, List<JsonNode>> next = pending.hasNext() ? pending.next() : null;
        for (long ts = 0; ts <= maxT; ts += evalInterval) {
            for (RuleGroup g : groups) {
                // promtool evaluates every group at every evaluation_interval step.
                RuleGroup.Outcome o = g.evaluate(ts, query, storage, ctx);
                if (o.errors() > 0) {
                    for (RuleGroup.Rule r : g.rules()) {
                        if (r.health().equals("err")) {
                            failures.add("rule " + r.spec().name() + " at " + ts + "ms: " + r.lastError());
                        }
                    }
                }
            }
            while (next != null && next.getKey() < ts + evalInterval) {
                for (JsonNode t : next.getValue()) {
                    check(t, groups, failures);
                }
                next = pending.hasNext() ? pending.next() : null;
            }
        }
        for (JsonNode t : test.path("promql_expr_test")) {
            checkExpr(t, engine, failures);
        }
        return failures;
    }

    private static void check(JsonNode t, List<RuleGroup> groups, List<String> failures) {
        String alertname = t.path("alertname").asText();
        TreeSet<String> got = new TreeSet<>();
        for (RuleGroup g : groups) {
            for (RuleGroup.Rule r : g.rules()) {
                if (r.alerting() == null || !r.spec().name().equals(alertname)) {
                    continue;
                }
                for (Alert a : r.alerting().alerts()) {
                    if (a.state() == AlertState.FIRING) {
                        got.add(describe(a.labels().asMap(), a.annotations()));
                    }
                }
            }
        }
        TreeSet<String> exp = new TreeSet<>();
        for (JsonNode e : t.path("exp_alerts")) {
            Map<String, String> l = new TreeMap<>();
            e.path("exp_labels").fields().forEachRemaining(x -> l.put(x.getKey(), x.getValue().asText()));
            l.put("alertname", alertname);
            Map<String, String> a = new TreeMap<>();
            e.path("exp_annotations").fields().forEachRemaining(x -> a.put(x.getKey(), x.getValue().asText()));
            exp.add(describe(l, a));
        }
        if (!got.equals(exp)) {
            failures.add("alertname: " + alertname + ", time: " + t.path("eval_time").asText() + ",\n    exp:" + exp
                    + ",\n    got:" + got);
        }
    }

    private static void checkExpr(JsonNode t, Engine engine, List<String> failures) {
        String expr = t.path("expr").asText();
        long ts = dur(t.path("eval_time").asText("0s"));
        TreeSet<String> got = new TreeSet<>();
        try {
            for (Sample s : new EngineRuleQuery(engine).instant(expr, ts)) {
                got.add(new TreeMap<>(s.labels().asMap()) + " " + s.v());
            }
        } catch (RuleEvalException e) {
            failures.add("expr " + expr + ": " + e.getMessage());
            return;
        }
        TreeSet<String> exp = new TreeSet<>();
        for (JsonNode s : t.path("exp_samples")) {
            exp.add(new TreeMap<>(labels(s.path("labels").asText()).asMap()) + " " + s.path("value").asDouble());
        }
        if (!got.equals(exp)) {
            failures.add("expr: " + expr + ", time: " + ts + "ms,\n    exp:" + exp + ",\n    got:" + got);
        }
    }

    private static String describe(Map<String, String> labels, Map<String, String> annotations) {
        return "{labels=" + new TreeMap<>(labels) + ", annotations=" + new TreeMap<>(annotations) + "}";
    }

    private static Labels labels(String selector) {
        if (selector.isBlank()) {
            return Labels.EMPTY;
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (LabelMatcher lm : PromQLParser.parseSeriesSelector(selector)) {
            m.put(lm.name(), lm.value());
        }
        return Labels.of(m);
    }

    private static long dur(String s) {
        return Durations.parse(s);
    }
}
