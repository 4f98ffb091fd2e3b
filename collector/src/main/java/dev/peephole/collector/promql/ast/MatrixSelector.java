package dev.peephole.collector.promql.ast;

/** A range vector selector {@code vs[range]}; offset and @ live in the vector selector. */
public record MatrixSelector(VectorSelector vectorSelector, long rangeMs, int start, int end) implements Expr {
    @Override
    public ValueType type() {
        return ValueType.MATRIX;
    }

    @Override
    public String toString() {
        VectorSelector vs = vectorSelector;
        VectorSelector bare = new VectorSelector(vs.name(), vs.matchers(), 0, null, vs.start(), vs.end());
        StringBuilder sb = new StringBuilder(bare.toString()).append('[').append(Durations.format(rangeMs)).append(']');
        VectorSelector.appendModifiers(sb, vs.offsetMs(), vs.at());
        return sb.toString();
    }
}
