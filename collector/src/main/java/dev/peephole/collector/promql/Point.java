package dev.peephole.collector.promql;

/** A (timestamp, value) pair: the value of a scalar result. */
public record Point(long tMs, double v) {
    @Override
    public String toString() {
        return PromQLFormat.formatValue(v) + " @" + PromQLFormat.formatTimestamp(tMs);
    }
}
