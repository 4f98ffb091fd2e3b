package dev.peephole.collector.promql.ast;

/** The {@code @} modifier: a fixed timestamp, or {@code start()} / {@code end()} of the query. */
public record At(Kind kind, long timestampMs) {
    /** Kind of @ modifier. */
    public enum Kind { TIMESTAMP, START, END }

    @Override
    public String toString() {
        switch (kind) {
            case START: return "@ start()";
            case END: return "@ end()";
            default:
                return "@ " + dev.peephole.collector.promql.PromQLFormat.formatTimestamp(timestampMs);
        }
    }
}
