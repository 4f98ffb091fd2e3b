package dev.peephole.collector.alerting;

import java.util.List;

/**
 * A group of rules evaluated together, in order, every {@code intervalMs}, as in a Prometheus
 * rule file. {@code source} names where it came from: a file path, or "api" for rules saved
 * through {@code /api/v1/rules}.
 */
public record RuleGroupSpec(String name, String source, long intervalMs, int limit, List<RuleSpec> rules) {

    public RuleGroupSpec {
        rules = List.copyOf(rules);
    }
}
