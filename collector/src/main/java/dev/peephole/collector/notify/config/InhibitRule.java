package dev.peephole.collector.notify.config;

import dev.peephole.collector.promql.LabelMatcher;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Alertmanager's inhibition rule: a firing source alert mutes matching targets with the same {@code equal} labels. */
public record InhibitRule(List<LabelMatcher> source, List<LabelMatcher> target, List<String> equal) {

    public boolean inhibits(Map<String, String> sourceLabels, Map<String, String> targetLabels) {
        if (!Matchers.matchAll(source, sourceLabels) || !Matchers.matchAll(target, targetLabels)) {
            return false;
        }
        for (String name : equal) {
            if (!Objects.equals(emptyIfNull(sourceLabels.get(name)), emptyIfNull(targetLabels.get(name)))) {
                return false;
            }
        }
        return true;
    }

    private static String emptyIfNull(String s) {
        return s == null ? "" : s;
    }
}
