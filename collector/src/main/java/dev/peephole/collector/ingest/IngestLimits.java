package dev.peephole.collector.ingest;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The limits ingest enforces, from configuration. */
@Singleton
public class IngestLimits {

    private final long maxTimeSkewNanos;
    private final int maxSeriesPerMetric;

    public IngestLimits(@Value("${peephole.ingest.max.time.skew:24h}") Duration maxTimeSkew,
                        @Value("${peephole.ingest.max.series.per.metric:10000}") int maxSeriesPerMetric) {
        this.maxTimeSkewNanos = maxTimeSkew.toNanos();
        this.maxSeriesPerMetric = maxSeriesPerMetric;
    }

    /** Points and spans further than this from now are refused. */
    public long maxTimeSkewNanos() {
        return maxTimeSkewNanos;
    }

    /** A metric name takes no new series past this count; existing series keep taking points. */
    public int maxSeriesPerMetric() {
        return maxSeriesPerMetric;
    }
}
