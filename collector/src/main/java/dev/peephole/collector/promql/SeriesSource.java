package dev.peephole.collector.promql;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The storage the engine reads from. */
@FunctionalInterface
public interface SeriesSource {
    /**
     * Returns the raw samples with {@code hints.startMs() <= t <= hints.endMs()} of every series matching ALL matchers
     * (an absent label matches as ""). Samples must be sorted by time. A sample whose bits equal Prometheus' stale
     * marker ({@code 0x7ff0000000000002}) is treated as a staleness marker.
     */
    List<Series> select(List<LabelMatcher> matchers, SelectHints hints);

    /**
     * Reads the answers to many requests now, for queries evaluated soon after against the returned
     * source (which falls back to this one for any other request). A storage that can read many
     * requests in fewer round trips than one each overrides this; this default reads them one by
     * one, which changes nothing but when they are read.
     */
    default SeriesSource prefetch(Collection<SelectRequest> requests) {
        Map<SelectRequest, List<Series>> answers = new HashMap<>();
        for (SelectRequest r : requests) {
            if (!answers.containsKey(r)) {
                List<Series> got = select(r.matchers(), r.hints());
                List<Series> kept = new ArrayList<>();
                if (got != null) {
                    for (Series s : got) {
                        if (s != null) {
                            kept.add(s);
                        }
                    }
                }
                answers.put(r, kept);
            }
        }
        return new PrefetchedSeries(answers, this);
    }

    /**
     * As {@link #prefetch(Collection)}, for a caller that reads again and again (a rule group each
     * interval): the storage may keep samples in {@code carry} and read only what it cannot know
     * from them. The answers are the same as {@link #prefetch(Collection)}'s within the limits the
     * storage states. This default keeps nothing.
     */
    default SeriesSource prefetch(Collection<SelectRequest> requests, ReadCarry carry) {
        return prefetch(requests);
    }
}
