package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.Series;
import dev.peephole.collector.promql.SeriesSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Test storage that rule evaluation can append to (recording rules, ALERTS), as promtool's test storage. */
final class MemorySeries implements SeriesSource, RuleGroup.SampleOutput {
    private final Map<Labels, NavigableMap<Long, Double>> series = new ConcurrentHashMap<>();

    void add(Labels labels, long tMs, double v) {
        series.computeIfAbsent(labels, k -> new ConcurrentSkipListMap<>()).put(tMs, v);
    }

    @Override
    public void write(List<Sample> samples) {
        for (Sample s : samples) {
            add(s.labels(), s.tMs(), s.v());
        }
    }

    @Override
    public List<Series> select(List<LabelMatcher> matchers, SelectHints hints) {
        List<Series> out = new ArrayList<>();
        for (Map.Entry<Labels, NavigableMap<Long, Double>> e : new TreeMap<>(series).entrySet()) {
            if (!matchers.stream().allMatch(m -> m.matches(e.getKey()))) {
                continue;
            }
            NavigableMap<Long, Double> window = e.getValue().subMap(hints.startMs(), true, hints.endMs(), true);
            long[] t = new long[window.size()];
            double[] v = new double[window.size()];
            int i = 0;
            for (Map.Entry<Long, Double> p : window.entrySet()) {
                t[i] = p.getKey();
                v[i++] = p.getValue();
            }
            out.add(new Series(e.getKey(), t, v));
        }
        return out;
    }
}
