package dev.peephole.collector.promql;

/**
 * Hints passed to the storage with every select, like Prometheus' {@code storage.SelectHints}.
 *
 * @param startMs  first timestamp (inclusive) of samples the engine will look at
 * @param endMs    last timestamp (inclusive) of samples the engine will look at
 * @param stepMs   query resolution step (0 for instant queries)
 * @param rangeMs  range of the enclosing range selector ({@code [5m]}), 0 for instant selectors
 * @param function name of the enclosing function or aggregation (e.g. "rate", "sum"), "" if none
 */
public record SelectHints(long startMs, long endMs, long stepMs, long rangeMs, String function) {
}
