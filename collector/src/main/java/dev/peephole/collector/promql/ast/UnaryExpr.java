package dev.peephole.collector.promql.ast;

/** Unary plus or minus ({@code op} is ADD or SUB). */
public record UnaryExpr(BinaryOp op, Expr expr, int start) implements Expr {
    @Override
    public ValueType type() {
        return expr.type();
    }

    @Override
    public int end() {
        return expr.end();
    }

    @Override
    public String toString() {
        return op.symbol() + expr;
    }
}
