package dev.peephole.collector.prometheus;

import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.SeriesSource;
import io.micronaut.context.ApplicationContext;

/**
 * The collector's PromQL engine reading every selector from the raw points: the function hint is
 * one the storage does not summarize, so neither the rollups nor the block cache take part. The
 * reference the rollup-backed reads are compared with.
 */
final class RawReadEngine {

    private RawReadEngine() {
    }

    static Engine of(ApplicationContext context) {
        StoredSeriesSource source = context.getBean(StoredSeriesSource.class);
        SeriesSource raw = (matchers, h) -> source.select(matchers,
                new SelectHints(h.startMs(), h.endMs(), h.stepMs(), h.rangeMs(), "raw " + h.function()));
        return new Engine(raw, context.getBean(Engine.class).options());
    }
}
