package dev.peephole.collector.promql;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/** Test double: an in-memory series store that records every select. */
final class InMemorySource implements SeriesSource {
    static final double STALE = Double.longBitsToDouble(0x7ff0000000000002L);

    final List<Series> all = new ArrayList<>();
    // Synchronized: EngineTest.concurrentQueries selects from several threads at once.
    final List<SelectHints> calls = Collections.synchronizedList(new ArrayList<>());
    final List<List<LabelMatcher>> callMatchers = Collections.synchronizedList(new ArrayList<>());

    /** Adds a series; labels as "name", "k", "v", ...; samples as alternating (tMs, value). */
    InMemorySource add(Labels labels, long[] t, double[] v) {
        all.add(new Series(labels, t, v));
        return this;
    }

    /** Adds samples start, start+interval, ... with the given values (NaN entries are skipped if skipNaN). */
    InMemorySource addRegular(Labels labels, long startMs, long intervalMs, double... values) {
        long[] t = new long[values.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = startMs + i * intervalMs;
        }
        return add(labels, t, values.clone());
    }

    /** Parses "metric{a=\"b\"}" with the test parser helper. */
    InMemorySource addRegular(String series, long startMs, long intervalMs, double... values) {
        return addRegular(parseLabels(series), startMs, intervalMs, values);
    }

    static Labels parseLabels(String s) {
        List<LabelMatcher> ms = PromQLParser.parseSeriesSelector(s);
        List<String> kv = new ArrayList<>();
        for (LabelMatcher m : ms) {
            kv.add(m.name());
            kv.add(m.value());
        }
        return Labels.of(kv.toArray(new String[0]));
    }

    @Override
    public List<Series> select(List<LabelMatcher> matchers, SelectHints hints) {
        calls.add(hints);
        callMatchers.add(matchers);
        List<Series> out = new ArrayList<>();
        for (Series s : all) {
            boolean ok = true;
            for (LabelMatcher m : matchers) {
                if (!m.matches(s.labels())) {
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                continue;
            }
            int lo = 0;
            while (lo < s.size() && s.timestampsMs()[lo] < hints.startMs()) {
                lo++;
            }
            int hi = lo;
            while (hi < s.size() && s.timestampsMs()[hi] <= hints.endMs()) {
                hi++;
            }
            out.add(new Series(s.labels(), Arrays.copyOfRange(s.timestampsMs(), lo, hi),
                Arrays.copyOfRange(s.values(), lo, hi)));
        }
        return out;
    }
}
