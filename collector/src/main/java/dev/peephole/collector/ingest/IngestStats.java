package dev.peephole.collector.ingest;

import jakarta.inject.Singleton;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the ingest path, exposed on /metrics. */
@Singleton
public class IngestStats {
    public final LongAdder batchesCommitted = new LongAdder();
    public final LongAdder batchesDuplicate = new LongAdder();
    public final LongAdder batchesFailed = new LongAdder();
    public final LongAdder pointsAccepted = new LongAdder();
    public final LongAdder spansAccepted = new LongAdder();
    public final LongAdder pointsRejectedTime = new LongAdder();
    public final LongAdder spansRejectedTime = new LongAdder();
    public final LongAdder pointsRejectedSeriesLimit = new LongAdder();
    public final LongAdder seriesCreated = new LongAdder();
    public final LongAdder seriesRejected = new LongAdder();
    public final LongAdder messagesInvalid = new LongAdder();
    public final LongAdder commitRetries = new LongAdder();
    /** Sum of commit durations, in nanoseconds, and their count: the mean batch latency. */
    public final LongAdder commitNanos = new LongAdder();
    public final LongAdder commits = new LongAdder();
}
