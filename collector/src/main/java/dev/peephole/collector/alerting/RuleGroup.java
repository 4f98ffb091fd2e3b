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

        /**
         * The query to evaluate one group's rules with at {@code tsMs}: it may read ahead what
         * {@code exprs} need, except metrics named in {@code written} (what the group itself
         * writes, which later rules must see as written). This one: no reading ahead.
         */
        default Query prepare(java.util.Collection<String> exprs, long tsMs, java.util.Set<String> written) {
            return this;
        }
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
    /** No rule reads what another rule of the group writes: they may run at the same time. */
    private final boolean independent;
    /** The metric names the group writes: its recording rules' and ALERTS. */
    private final java.util.Set<String> written = new java.util.HashSet<>();
    private final List<String> exprs = new ArrayList<>();
    /** What the group's batched read keeps from one evaluation to the next (EngineRuleQuery). */
    private final dev.peephole.collector.promql.ReadCarry readCarry = new dev.peephole.collector.promql.ReadCarry();

    public RuleGroup(RuleGroupSpec spec) {
        this.spec = spec;
        for (RuleSpec r : spec.rules()) {
            rules.add(new Rule(r, key(spec, r)));
            exprs.add(r.expr());
            if (!r.alerting()) {
                written.add(r.name());
            }
        }
        written.add("ALERTS");
        this.independent = RuleDependencies.independent(spec.rules());
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

    /** What the group's batched reads carry from one evaluation to the next. */
    public dev.peephole.collector.promql.ReadCarry readCarry() {
        return readCarry;
    }

    public long evaluationNanos() {
        return evaluationNanos;
    }

    public Outcome evaluate(long ts, Query query, SampleOutput output, AlertingRule.TemplateContext ctx) {
        return evaluate(ts, query, output, ctx, null);
    }

    /**
     * Evaluates every rule at {@code ts}. With an executor, and when no rule of the group reads
     * what another writes ({@link RuleDependencies}), the rules run at the same time. First, the
     * query may read ahead, in one go, what the rules need ({@link Query#prepare}).
     */
    public Outcome evaluate(long ts, Query query, SampleOutput output, AlertingRule.TemplateContext ctx,
                            java.util.concurrent.ExecutorService executor) {
        long started = System.nanoTime();
        // One read ahead for what the rules need that the group does not write (EngineRuleQuery).
        Query q = query.prepare(exprs, ts, written);
        List<List<AlertingRule.Transition>> transitions = new ArrayList<>();
        List<List<Alert>> toSend = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            transitions.add(List.of());
            toSend.add(List.of());
        }
        int errors = 0;
        // When no rule of the group reads ALERTS, the group's ALERTS samples go out in one write
        // at the end instead of one transaction per alerting rule.
        List<Sample> alertsBatch = independent ? new ArrayList<>() : null;
        if (executor != null && independent && rules.size() > 1) {
            List<java.util.concurrent.Future<Boolean>> futures = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                int k = i;
                futures.add(executor.submit(() -> evaluateRule(k, ts, q, output, ctx, transitions, toSend, alertsBatch)));
            }
            for (java.util.concurrent.Future<Boolean> f : futures) {
                try {
                    errors += f.get() ? 0 : 1;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    errors++;
                } catch (java.util.concurrent.ExecutionException e) {
                    errors++;
                }
            }
        } else {
            for (int i = 0; i < rules.size(); i++) {
                errors += evaluateRule(i, ts, q, output, ctx, transitions, toSend, alertsBatch) ? 0 : 1;
            }
        }
        if (alertsBatch != null && !alertsBatch.isEmpty()) {
            try {
                output.write(alertsBatch);
            } catch (Exception e) {
                errors++;
            }
        }
        lastEvaluationMs = ts;
        evaluationNanos = System.nanoTime() - started;
        List<AlertingRule.Transition> allTransitions = new ArrayList<>();
        transitions.forEach(allTransitions::addAll);
        List<Alert> allToSend = new ArrayList<>();
        toSend.forEach(allToSend::addAll);
        return new Outcome(allTransitions, allToSend, errors);
    }

    /** Evaluates rule {@code i}, putting its results at index i; false when it failed. */
    private boolean evaluateRule(int i, long ts, Query query, SampleOutput output, AlertingRule.TemplateContext ctx,
                                 List<List<AlertingRule.Transition>> transitions, List<List<Alert>> toSend,
                                 List<Sample> alertsBatch) {
        Rule r = rules.get(i);
        long t0 = System.nanoTime();
        boolean ok = true;
        try {
            List<Sample> result = query.instant(r.spec.expr(), ts);
            if (r.recording != null) {
                output.write(r.recording.apply(ts, result));
            } else {
                List<AlertingRule.Transition> t = r.alerting.apply(ts, result, spec.limit(), ctx);
                List<Alert> send = r.alerting.toSend(ts);
                synchronized (transitions) {
                    transitions.set(i, t);
                    toSend.set(i, send);
                }
                List<Sample> alertSamples = alertsSeries(r.alerting, ts);
                if (alertsBatch != null) {
                    synchronized (alertsBatch) {
                        alertsBatch.addAll(alertSamples);
                    }
                } else if (!alertSamples.isEmpty()) {
                    output.write(alertSamples);
                }
            }
            r.health = "ok";
            r.lastError = "";
        } catch (RuleEvalException e) {
            r.health = "err";
            r.lastError = e.getMessage();
            ok = false;
        } catch (Exception e) {
            r.health = "err";
            r.lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
            ok = false;
        }
        r.lastEvaluationMs = ts;
        r.evaluationNanos = System.nanoTime() - t0;
        return ok;
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
