package dev.peephole.collector.promql.ast;

import java.util.List;

/** An aggregation; {@code param} is null unless the operator takes one. */
public record AggregateExpr(AggregateOp op, Expr expr, Expr param, List<String> grouping, boolean without,
                            int start, int end) implements Expr {
    public AggregateExpr {
        grouping = List.copyOf(grouping);
    }

    @Override
    public ValueType type() {
        return ValueType.VECTOR;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(op.keyword());
        if (without || !grouping.isEmpty()) {
            sb.append(without ? " without (" : " by (").append(String.join(", ", grouping)).append(") ");
        }
        sb.append('(');
        if (param != null) {
            sb.append(param).append(", ");
        }
        return sb.append(expr).append(')').toString();
    }
}
