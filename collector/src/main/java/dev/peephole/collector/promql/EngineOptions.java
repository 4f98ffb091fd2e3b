package dev.peephole.collector.promql;

/**
 * Engine options (immutable; use the {@code with...} methods). Defaults follow Prometheus: lookback delta 5m,
 * max samples 50,000,000, timeout 2m, default subquery step 1m, at most 11,000 points per series in a range query.
 */
public final class EngineOptions {
    private final long lookbackDeltaMs;
    private final long maxSamples;
    private final long timeoutMs;
    private final long defaultSubqueryStepMs;
    private final int maxPointsPerSeries;
    private final boolean leftOpenIntervals;

    private EngineOptions(long lookbackDeltaMs, long maxSamples, long timeoutMs, long defaultSubqueryStepMs,
                          int maxPointsPerSeries, boolean leftOpenIntervals) {
        if (lookbackDeltaMs <= 0) {
            throw new IllegalArgumentException("lookbackDeltaMs must be > 0");
        }
        if (defaultSubqueryStepMs <= 0) {
            throw new IllegalArgumentException("defaultSubqueryStepMs must be > 0");
        }
        this.lookbackDeltaMs = lookbackDeltaMs;
        this.maxSamples = maxSamples;
        this.timeoutMs = timeoutMs;
        this.defaultSubqueryStepMs = defaultSubqueryStepMs;
        this.maxPointsPerSeries = maxPointsPerSeries;
        this.leftOpenIntervals = leftOpenIntervals;
    }

    /** The Prometheus defaults. */
    public static EngineOptions defaults() {
        return new EngineOptions(5 * 60_000L, 50_000_000L, 2 * 60_000L, 60_000L, 11_000, true);
    }

    public long lookbackDeltaMs() {
        return lookbackDeltaMs;
    }

    public long maxSamples() {
        return maxSamples;
    }

    /** Query timeout in ms; 0 or negative disables it. */
    public long timeoutMs() {
        return timeoutMs;
    }

    /** Step of subqueries written without one ({@code x[1h:]}), Prometheus' global evaluation interval. */
    public long defaultSubqueryStepMs() {
        return defaultSubqueryStepMs;
    }

    /** Max number of steps of a range query (Prometheus' API limit 11,000); 0 or negative disables the check. */
    public int maxPointsPerSeries() {
        return maxPointsPerSeries;
    }

    /**
     * true (default, Prometheus 3): range selectors select {@code (t - range, t]} and the lookback is
     * {@code (t - lookback, t]}; false (Prometheus 2): both intervals are closed, {@code [t - range, t]}.
     */
    public boolean leftOpenIntervals() {
        return leftOpenIntervals;
    }

    public EngineOptions withLeftOpenIntervals(boolean v) {
        return new EngineOptions(lookbackDeltaMs, maxSamples, timeoutMs, defaultSubqueryStepMs, maxPointsPerSeries, v);
    }

    public EngineOptions withLookbackDeltaMs(long v) {
        return new EngineOptions(v, maxSamples, timeoutMs, defaultSubqueryStepMs, maxPointsPerSeries, leftOpenIntervals);
    }

    public EngineOptions withMaxSamples(long v) {
        return new EngineOptions(lookbackDeltaMs, v, timeoutMs, defaultSubqueryStepMs, maxPointsPerSeries, leftOpenIntervals);
    }

    public EngineOptions withTimeoutMs(long v) {
        return new EngineOptions(lookbackDeltaMs, maxSamples, v, defaultSubqueryStepMs, maxPointsPerSeries, leftOpenIntervals);
    }

    public EngineOptions withDefaultSubqueryStepMs(long v) {
        return new EngineOptions(lookbackDeltaMs, maxSamples, timeoutMs, v, maxPointsPerSeries, leftOpenIntervals);
    }

    public EngineOptions withMaxPointsPerSeries(int v) {
        return new EngineOptions(lookbackDeltaMs, maxSamples, timeoutMs, defaultSubqueryStepMs, v, leftOpenIntervals);
    }
}
