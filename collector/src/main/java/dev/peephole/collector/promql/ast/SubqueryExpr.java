package dev.peephole.collector.promql.ast;

/** A subquery {@code expr[range:step]}; {@code stepMs} is 0 when omitted (engine default applies). */
public record SubqueryExpr(Expr expr, long rangeMs, long stepMs, long offsetMs, At at, int start, int end)
    implements Expr {
    @Override
    public ValueType type() {
        return ValueType.MATRIX;
    }

    public SubqueryExpr withOffset(long offset, int newEnd) {
        return new SubqueryExpr(expr, rangeMs, stepMs, offset, at, start, newEnd);
    }

    public SubqueryExpr withAt(At newAt, int newEnd) {
        return new SubqueryExpr(expr, rangeMs, stepMs, offsetMs, newAt, start, newEnd);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(expr.toString()).append('[').append(Durations.format(rangeMs)).append(':');
        if (stepMs > 0) {
            sb.append(Durations.format(stepMs));
        }
        sb.append(']');
        VectorSelector.appendModifiers(sb, offsetMs, at);
        return sb.toString();
    }
}
