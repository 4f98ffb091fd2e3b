package dev.peephole.collector.promql;

/** One element of an instant vector result. */
public record Sample(Labels labels, long tMs, double v) {
    @Override
    public String toString() {
        return labels + " " + PromQLFormat.formatValue(v) + " @" + PromQLFormat.formatTimestamp(tMs);
    }
}
