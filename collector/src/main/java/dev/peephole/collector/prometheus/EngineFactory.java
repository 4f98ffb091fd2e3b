package dev.peephole.collector.prometheus;

import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.EngineOptions;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The PromQL engine over the stored series. */
@Factory
public class EngineFactory {

    @Singleton
    public Engine engine(StoredSeriesSource source,
                         @Value("${peephole.query.lookback.delta:5m}") Duration lookback,
                         @Value("${peephole.query.timeout:2m}") Duration timeout,
                         @Value("${peephole.query.max.samples:50000000}") long maxSamples) {
        return new Engine(source, EngineOptions.defaults()
                .withLookbackDeltaMs(lookback.toMillis())
                .withTimeoutMs(timeout.toMillis())
                .withMaxSamples(maxSamples)
                // Prometheus 2 window boundaries, [t - range, t], as the Prometheus 2.x users compare against.
                .withLeftOpenIntervals(false));
    }
}
