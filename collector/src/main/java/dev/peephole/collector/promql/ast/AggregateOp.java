package dev.peephole.collector.promql.ast;

/** Aggregation operators. */
public enum AggregateOp {
    SUM, AVG, COUNT, MIN, MAX, GROUP, STDDEV, STDVAR, TOPK, BOTTOMK, COUNT_VALUES, QUANTILE;

    /** Whether the operator takes a parameter (k, φ or label name). */
    public boolean hasParam() {
        return this == TOPK || this == BOTTOMK || this == COUNT_VALUES || this == QUANTILE;
    }

    /** The PromQL keyword. */
    public String keyword() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
