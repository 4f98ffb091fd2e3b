package dev.peephole.collector.promql.ast;

/** A binary expression; {@code matching} is null unless both sides are instant vectors. */
public record BinaryExpr(BinaryOp op, Expr lhs, Expr rhs, VectorMatching matching, boolean returnBool)
    implements Expr {
    @Override
    public ValueType type() {
        return lhs.type() == ValueType.SCALAR && rhs.type() == ValueType.SCALAR ? ValueType.SCALAR : ValueType.VECTOR;
    }

    @Override
    public int start() {
        return lhs.start();
    }

    @Override
    public int end() {
        return rhs.end();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(lhs).append(' ').append(op.symbol()).append(' ');
        if (returnBool) {
            sb.append("bool ");
        }
        if (matching != null) {
            if (matching.on() || !matching.matchingLabels().isEmpty()) {
                sb.append(matching.on() ? "on(" : "ignoring(").append(String.join(", ", matching.matchingLabels()))
                    .append(") ");
            }
            if (matching.card() == VectorMatching.Cardinality.MANY_TO_ONE
                || matching.card() == VectorMatching.Cardinality.ONE_TO_MANY) {
                sb.append(matching.card() == VectorMatching.Cardinality.MANY_TO_ONE ? "group_left" : "group_right");
                sb.append('(').append(String.join(", ", matching.include())).append(") ");
            }
        }
        return sb.append(rhs).toString();
    }
}
