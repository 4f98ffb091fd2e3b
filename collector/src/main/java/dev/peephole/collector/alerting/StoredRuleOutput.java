package dev.peephole.collector.alerting;

import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Sample;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what rule groups produce (recording rules' samples, ALERTS) into the metric tables, with
 * commits that do not wait for the WAL flush ({@link LocalSeriesWriter#write(List, String, String, boolean)}).
 */
@Singleton
public class StoredRuleOutput implements RuleGroup.SampleOutput {
    private final LocalSeriesWriter writer;

    public StoredRuleOutput(LocalSeriesWriter writer) {
        this.writer = writer;
    }

    @Override
    public void write(List<Sample> samples) throws Exception {
        if (samples.isEmpty()) {
            return;
        }
        List<LocalSample> out = new ArrayList<>(samples.size());
        for (Sample s : samples) {
            out.add(new LocalSample(s.labels().metricName(), s.labels().without(Labels.METRIC_NAME).asMap(), s.tMs(),
                    s.v()));
        }
        // Recomputed at every evaluation, as Prometheus' rule outputs: the commit does not wait
        // for the disk (a crash loses at most the last moments of them, never the alert state,
        // which AlertStore commits durably).
        writer.write(out, "gauge", "recorded by a Peephole rule", false);
    }
}
