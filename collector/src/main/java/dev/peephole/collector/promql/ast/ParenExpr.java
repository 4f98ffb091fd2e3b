package dev.peephole.collector.promql.ast;

/** A parenthesized expression. */
public record ParenExpr(Expr expr, int start, int end) implements Expr {
    @Override
    public ValueType type() {
        return expr.type();
    }

    @Override
    public String toString() {
        return "(" + expr + ")";
    }
}
