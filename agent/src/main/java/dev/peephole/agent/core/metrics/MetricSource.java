package dev.peephole.agent.core.metrics;

/** Something that contributes series at every metrics tick. */
public interface MetricSource {
    void collect(SeriesBuilder out);
}
