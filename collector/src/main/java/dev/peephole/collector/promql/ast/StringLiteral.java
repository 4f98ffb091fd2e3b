package dev.peephole.collector.promql.ast;

import dev.peephole.collector.promql.GoStrings;

/** A string literal (already unquoted). */
public record StringLiteral(String value, int start, int end) implements Expr {
    @Override
    public ValueType type() {
        return ValueType.STRING;
    }

    @Override
    public String toString() {
        return GoStrings.quote(value);
    }
}
