package dev.peephole.collector.promql.ast;

import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import java.util.List;

/**
 * An instant vector selector. {@code name} is the metric name written outside the braces ("" if none); the matchers
 * include a {@code __name__} equality matcher for it (last).
 */
public record VectorSelector(String name, List<LabelMatcher> matchers, long offsetMs, At at, int start, int end)
    implements Expr {

    public VectorSelector {
        matchers = List.copyOf(matchers);
    }

    @Override
    public ValueType type() {
        return ValueType.VECTOR;
    }

    public VectorSelector withOffset(long offset, int newEnd) {
        return new VectorSelector(name, matchers, offset, at, start, newEnd);
    }

    public VectorSelector withAt(At newAt, int newEnd) {
        return new VectorSelector(name, matchers, offsetMs, newAt, start, newEnd);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(name);
        StringBuilder inner = new StringBuilder();
        for (LabelMatcher m : matchers) {
            if (!name.isEmpty() && m.name().equals(Labels.METRIC_NAME) && m.type() == LabelMatcher.Type.EQ
                && m.value().equals(name)) {
                continue;
            }
            if (inner.length() > 0) {
                inner.append(", ");
            }
            inner.append(m);
        }
        if (inner.length() > 0 || name.isEmpty()) {
            sb.append('{').append(inner).append('}');
        }
        appendModifiers(sb, offsetMs, at);
        return sb.toString();
    }

    static void appendModifiers(StringBuilder sb, long offsetMs, At at) {
        if (at != null) {
            sb.append(' ').append(at);
        }
        if (offsetMs > 0) {
            sb.append(" offset ").append(Durations.format(offsetMs));
        } else if (offsetMs < 0) {
            sb.append(" offset -").append(Durations.format(-offsetMs));
        }
    }
}
