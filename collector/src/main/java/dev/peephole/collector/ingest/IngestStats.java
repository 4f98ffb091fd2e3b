package dev.peephole.collector.ingest;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the ingest path, exposed on /metrics as peephole_ingest_*. */
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
    /** Time from a writer taking batches to their commit, per transaction. */
    public final Timer commitTime;

    public IngestStats(MeterRegistry registry) {
        count(registry, "peephole.ingest.batches", "agent batches by outcome", batchesCommitted, "outcome", "committed");
        count(registry, "peephole.ingest.batches", "agent batches by outcome", batchesDuplicate, "outcome", "duplicate");
        count(registry, "peephole.ingest.batches", "agent batches by outcome", batchesFailed, "outcome", "failed");
        count(registry, "peephole.ingest.points", "metric points stored", pointsAccepted);
        count(registry, "peephole.ingest.spans", "spans stored", spansAccepted);
        count(registry, "peephole.ingest.rejected.points", "metric points refused, by reason", pointsRejectedTime,
                "reason", "time_skew");
        count(registry, "peephole.ingest.rejected.points", "metric points refused, by reason",
                pointsRejectedSeriesLimit, "reason", "series_limit");
        count(registry, "peephole.ingest.rejected.spans", "spans refused, by reason", spansRejectedTime,
                "reason", "time_skew");
        count(registry, "peephole.ingest.series.created", "series created", seriesCreated);
        count(registry, "peephole.ingest.series.rejected", "new series refused by the per-metric limit", seriesRejected);
        count(registry, "peephole.ingest.invalid.messages", "agent messages refused as malformed or out of protocol",
                messagesInvalid);
        count(registry, "peephole.ingest.commit.retries", "commits retried after a database error", commitRetries);
        commitTime = Timer.builder("peephole.ingest.commit")
                .description("time to commit a group of batches")
                .publishPercentileHistogram()
                .register(registry);
    }

    private static void count(MeterRegistry registry, String name, String help, LongAdder adder, String... tags) {
        FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(help).tags(tags).register(registry);
    }
}
