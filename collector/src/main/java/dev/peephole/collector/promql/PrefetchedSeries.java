package dev.peephole.collector.promql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A {@link SeriesSource} that answers the requests it was given ahead of time from memory and
 * every other request from the live source. Thread-safe: the answers are never changed, and each
 * select hands out its own copies of the sample arrays.
 */
public final class PrefetchedSeries implements SeriesSource {
    private final Map<SelectRequest, List<Series>> answers;
    private final SeriesSource live;

    public PrefetchedSeries(Map<SelectRequest, List<Series>> answers, SeriesSource live) {
        this.answers = Map.copyOf(answers);
        this.live = live;
    }

    /** How many requests are answered from memory. */
    public int size() {
        return answers.size();
    }

    @Override
    public List<Series> select(List<LabelMatcher> matchers, SelectHints hints) {
        List<Series> known = answers.get(new SelectRequest(matchers, hints));
        if (known == null) {
            return live.select(matchers, hints);
        }
        List<Series> out = new ArrayList<>(known.size());
        for (Series s : known) {
            out.add(new Series(s.labels(), s.timestampsMs().clone(), s.values().clone(), s.counterSteps(), s.text()));
        }
        return out;
    }
}
