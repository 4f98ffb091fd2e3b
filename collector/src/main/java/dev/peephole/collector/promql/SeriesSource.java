package dev.peephole.collector.promql;

import java.util.List;

/** The storage the engine reads from. */
@FunctionalInterface
public interface SeriesSource {
    /**
     * Returns the raw samples with {@code hints.startMs() <= t <= hints.endMs()} of every series matching ALL matchers
     * (an absent label matches as ""). Samples must be sorted by time. A sample whose bits equal Prometheus' stale
     * marker ({@code 0x7ff0000000000002}) is treated as a staleness marker.
     */
    List<Series> select(List<LabelMatcher> matchers, SelectHints hints);
}
