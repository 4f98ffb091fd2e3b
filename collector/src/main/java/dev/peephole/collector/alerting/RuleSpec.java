package dev.peephole.collector.alerting;

import java.util.Map;

/**
 * One rule as written in a Prometheus rule file or saved through the API: an alerting rule
 * ({@code alert}) or a recording rule ({@code record}).
 *
 * @param name            the alert name or the recorded metric name
 * @param forMs           how long the condition must hold before the alert fires (alerting only)
 * @param keepFiringForMs how long a firing alert keeps firing after its condition clears
 */
public record RuleSpec(Kind kind, String name, String expr, long forMs, long keepFiringForMs,
                       Map<String, String> labels, Map<String, String> annotations) {

    public enum Kind { ALERTING, RECORDING }

    public RuleSpec {
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
    }

    public boolean alerting() {
        return kind == Kind.ALERTING;
    }
}
