package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Sample;
import java.util.ArrayList;
import java.util.List;

/**
 * A group's rules evaluated in order at one timestamp, as Prometheus' rules/group.go: a
 * recording rule's samples are written before the next rule runs (so later rules see them),
 * and every pending or firing alert is also recorded as an {@code ALERTS} sample. One rule's
 * failure is that rule's health; the others still run.
 */
public final class RuleGroup {

    /** Runs an instant query. */
    public interface Query {
        List<Sample> instant(String expr, long tsMs) throws RuleEvalException;
    }

    /** Stores samples a group produces (recording rules, ALERTS). */
    public interface SampleOutput {
        void write(List<Sample> samples) throws Exception;
    }

    /** One rule with its latest health. */
    public static final class Rule {
        final RuleSpec spec;
        final AlertingRule alerting;
        final RecordingRule recording;
        volatile String health = "unknown";
        volatile String lastError = "";
        volatile long lastEvaluationMs;
        volatile long evaluationNanos;

        Rule(RuleSpec spec, String key) {
            this.spec = spec;
            this.alerting = spec.alerting() ? new AlertingRule(spec, key) : null;
            this.recording = spec.alerting() ? null : new RecordingRule(spec);
        }

        public RuleSpec spec() {
            return spec;
        }

        /** Null for a recording rule. */
        public AlertingRule alerting() {
            return alerting;
        }

        public String health() {
            return health;
        }

        public String lastError() {
            return lastError;
        }

        public long lastEvaluationMs() {
            return lastEvaluationMs;
        }

        public long evaluationNanos() {
            return evaluationNanos;
        }
    }

    /** What one evaluation changed. */
    public record Outcome(List<AlertingRule.Transition> transitions, List<Alert> toSend, int errors) {
    }

    private final RuleGroupSpec spec;
    private final List<Rule> rules = new ArrayList<>();
    private volatile long lastEvaluationMs;
    private volatile long evaluationNanos;

    public RuleGroup(RuleGroupSpec spec) {
        this.spec = spec;
        for (RuleSpec r : spec.rules()) {
            rules.add(new Rule(r, key(spec, r)));
        }
    }

    /** The identity of an alerting rule's alerts in the store (unit separators: PostgreSQL text holds no NUL). */
    static String key(RuleGroupSpec group, RuleSpec rule) {
        return key(group, rule.name());
    }

    static String key(RuleGroupSpec group, String ruleName) {
        return group.source() + "\u001f" + group.name() + "\u001f" + ruleName;
    }

    public RuleGroupSpec spec() {
        return spec;
    }

    public List<Rule> rules() {
        return rules;
    }

    public long lastEvaluationMs() {
        return lastEvaluationMs;
    }

    public long evaluationNanos() {
        return evaluationNanos;
    }

    public Outcome evaluate(long ts, Query query, SampleOutput output, AlertingRule.TemplateContext ctx) {
        long started = System.nanoTime();
        List<AlertingRule.Transition> transitions = new ArrayList<>();
        List<Alert> toSend = new ArrayList<>();
        int errors = 0;
        for (Rule r : rules) {
            long t0 = System.nanoTime();
            try {
                List<Sample> result = query.instant(r.spec.expr(), ts);
                if (r.recording != null) {
                    output.write(r.recording.apply(ts, result));
                } else {
                    transitions.addAll(r.alerting.apply(ts, result, spec.limit(), ctx));
                    toSend.addAll(r.alerting.toSend(ts));
                    List<Sample> alertSamples = alertsSeries(r.alerting, ts);
                    if (!alertSamples.isEmpty()) {
                        output.write(alertSamples);
                    }
                }
                r.health = "ok";
                r.lastError = "";
            } catch (RuleEvalException e) {
                r.health = "err";
                r.lastError = e.getMessage();
                errors++;
            } catch (Exception e) {
                r.health = "err";
                r.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                errors++;
            }
            r.lastEvaluationMs = ts;
            r.evaluationNanos = System.nanoTime() - t0;
        }
        lastEvaluationMs = ts;
        evaluationNanos = System.nanoTime() - started;
        return new Outcome(transitions, toSend, errors);
    }

    /** Prometheus' ALERTS series: one sample of 1 per pending or firing alert. */
    private static List<Sample> alertsSeries(AlertingRule rule, long ts) {
        List<Sample> out = new ArrayList<>();
        for (Alert a : rule.alerts()) {
            if (a.state() == AlertState.INACTIVE) {
                continue;
            }
            Labels l = a.labels().with(Labels.METRIC_NAME, "ALERTS").with("alertstate", a.state().json());
            out.add(new Sample(l, ts, 1));
        }
        return out;
    }
}
