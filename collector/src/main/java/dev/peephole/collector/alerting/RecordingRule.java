package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Sample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A recording rule: its expression's result stored under a new metric name with the rule's labels. */
public final class RecordingRule {
    private final RuleSpec spec;

    public RecordingRule(RuleSpec spec) {
        this.spec = spec;
    }

    public RuleSpec spec() {
        return spec;
    }

    /** The samples to store for one evaluation's result, as Prometheus' rules/recording.go builds them. */
    public List<Sample> apply(long ts, List<Sample> vector) throws RuleEvalException {
        List<Sample> out = new ArrayList<>(vector.size());
        Set<Labels> seen = new HashSet<>();
        for (Sample s : vector) {
            Labels l = s.labels().with(Labels.METRIC_NAME, spec.name());
            for (Map.Entry<String, String> e : spec.labels().entrySet()) {
                l = e.getValue().isEmpty() ? l.without(e.getKey()) : l.with(e.getKey(), e.getValue());
            }
            if (!seen.add(l)) {
                throw new RuleEvalException("vector contains metrics with the same labelset after applying rule labels");
            }
            out.add(new Sample(l, ts, s.v()));
        }
        return out;
    }
}
