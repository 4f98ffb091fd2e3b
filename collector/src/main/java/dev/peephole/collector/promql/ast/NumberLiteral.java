package dev.peephole.collector.promql.ast;

import dev.peephole.collector.promql.PromQLFormat;

/** A number literal. */
public record NumberLiteral(double value, int start, int end) implements Expr {
    @Override
    public ValueType type() {
        return ValueType.SCALAR;
    }

    @Override
    public String toString() {
        return PromQLFormat.formatValue(value);
    }
}
