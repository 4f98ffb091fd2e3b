package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RuleDependenciesTest {
    private static RuleSpec alert(String expr) {
        return new RuleSpec(RuleSpec.Kind.ALERTING, "A", expr, 0, 0, Map.of(), Map.of());
    }

    private static RuleSpec record(String name, String expr) {
        return new RuleSpec(RuleSpec.Kind.RECORDING, name, expr, 0, 0, Map.of(), Map.of());
    }

    @Test
    void rulesThatReadWhatTheGroupWritesRunInOrder() {
        assertThat(RuleDependencies.independent(List.of(alert("rate(a_total[5m]) > 1"), alert("sum(b) > 2"),
                record("c:sum", "sum(c)")))).isTrue();
        assertThat(RuleDependencies.independent(List.of(record("c:sum", "sum(c)"), alert("c:sum > 1")))).isFalse();
        assertThat(RuleDependencies.independent(List.of(alert("absent(x)"), alert("ALERTS > 0")))).isFalse();
        assertThat(RuleDependencies.independent(List.of(alert("{__name__=~\"x.*\"} > 0"), alert("y > 1")))).isFalse();
        assertThat(RuleDependencies.independent(List.of(record("q", "sum(rate(x[5m]))"),
                alert("max_over_time(q[1h:1m]) > 1")))).isFalse();
    }
}
