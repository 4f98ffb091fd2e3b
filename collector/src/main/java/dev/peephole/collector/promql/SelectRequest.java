package dev.peephole.collector.promql;

import java.util.List;

/**
 * One read the engine asks of its {@link SeriesSource}: the matchers of a selector and the
 * hints (time range, step, range, enclosing function) of where it appears. Equal requests get
 * equal answers from the same storage content, which is what lets a caller read many of them
 * ahead of time ({@link SeriesSource#prefetch}) without changing any query's result.
 */
public record SelectRequest(List<LabelMatcher> matchers, SelectHints hints) {
    public SelectRequest {
        matchers = List.copyOf(matchers);
    }

    /** The exact metric name the request selects ({@code __name__="x"}), or null when it names none. */
    public String metricName() {
        for (LabelMatcher m : matchers) {
            if (m.name().equals(Labels.METRIC_NAME) && m.type() == LabelMatcher.Type.EQ) {
                return m.value();
            }
        }
        return null;
    }
}
