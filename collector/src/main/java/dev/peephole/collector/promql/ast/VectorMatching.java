package dev.peephole.collector.promql.ast;

import java.util.List;

/**
 * Vector matching of a binary expression between two instant vectors.
 *
 * @param card           cardinality
 * @param matchingLabels labels of on(...) / ignoring(...)
 * @param on             true for on(...), false for ignoring(...) (or none)
 * @param include        labels of group_left(...) / group_right(...)
 */
public record VectorMatching(Cardinality card, List<String> matchingLabels, boolean on, List<String> include) {
    /** Matching cardinality. */
    public enum Cardinality { ONE_TO_ONE, MANY_TO_ONE, ONE_TO_MANY, MANY_TO_MANY }

    public VectorMatching {
        matchingLabels = List.copyOf(matchingLabels);
        include = List.copyOf(include);
    }
}
