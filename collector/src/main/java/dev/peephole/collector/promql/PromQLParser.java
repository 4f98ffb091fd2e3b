package dev.peephole.collector.promql;

import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.parser.Parser;
import java.util.List;

/** Entry points of the PromQL parser. */
public final class PromQLParser {
    private PromQLParser() {
    }

    /** Parses and type-checks a PromQL expression. */
    public static Expr parse(String q) throws PromQLParseException {
        return Parser.parseExpr(q);
    }

    /**
     * Parses a series selector such as {@code up{job="x"}} or {@code {__name__=~"a.*"}} (match[] of
     * /api/v1/series, /api/v1/labels...). The metric name becomes a trailing {@code __name__} equality matcher.
     * Like Prometheus' ParseMetricSelector this does NOT require a non-empty matcher: the API layer must check
     * {@link #hasNonEmptyMatcher} and answer "match[] must contain at least one non-empty matcher" otherwise.
     */
    public static List<LabelMatcher> parseSeriesSelector(String s) throws PromQLParseException {
        return Parser.parseSeriesSelector(s);
    }

    /** Whether at least one matcher does not match the empty string (Prometheus' rule for selectors). */
    public static boolean hasNonEmptyMatcher(List<LabelMatcher> matchers) {
        for (LabelMatcher m : matchers) {
            if (!m.matches("")) {
                return true;
            }
        }
        return false;
    }
}
