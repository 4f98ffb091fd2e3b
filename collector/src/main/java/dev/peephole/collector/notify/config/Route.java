package dev.peephole.collector.notify.config;

import dev.peephole.collector.promql.LabelMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One node of the routing tree, with its parent's settings inherited, as in Alertmanager:
 * an alert descends into the first matching child (and further children when that child
 * has {@code continue: true}); a node no child takes it from is where it lands.
 */
public final class Route {

    private final String key;
    private final String receiver;
    private final List<LabelMatcher> matchers;
    private final List<String> groupBy;
    private final boolean groupByAll;
    private final Duration groupWait;
    private final Duration groupInterval;
    private final Duration repeatInterval;
    private final boolean continueMatching;
    private final String escalation;
    private final List<Route> routes;

    public Route(String key, String receiver, List<LabelMatcher> matchers, List<String> groupBy, boolean groupByAll,
                 Duration groupWait, Duration groupInterval, Duration repeatInterval, boolean continueMatching,
                 String escalation, List<Route> routes) {
        this.key = key;
        this.receiver = receiver;
        this.matchers = matchers;
        this.groupBy = groupBy;
        this.groupByAll = groupByAll;
        this.groupWait = groupWait;
        this.groupInterval = groupInterval;
        this.repeatInterval = repeatInterval;
        this.continueMatching = continueMatching;
        this.escalation = escalation;
        this.routes = routes;
    }

    /** The routes an alert with these labels lands on (depth first, in order). */
    public List<Route> match(Map<String, String> labels) {
        List<Route> out = new ArrayList<>();
        matchInto(labels, out);
        return out;
    }

    private boolean matchInto(Map<String, String> labels, List<Route> out) {
        if (!Matchers.matchAll(matchers, labels)) {
            return false;
        }
        boolean any = false;
        for (Route child : routes) {
            if (child.matchInto(labels, out)) {
                any = true;
                if (!child.continueMatching) {
                    break;
                }
            }
        }
        if (!any) {
            out.add(this);
        }
        return true;
    }

    /** The labels this route groups an alert by. */
    public Map<String, String> groupLabels(Map<String, String> labels) {
        if (groupByAll) {
            return new java.util.TreeMap<>(labels);
        }
        Map<String, String> out = new java.util.TreeMap<>();
        for (String name : groupBy) {
            String v = labels.get(name);
            if (v != null && !v.isEmpty()) {
                out.put(name, v);
            }
        }
        return out;
    }

    /** Alertmanager's route key: the matchers of every node from the root, {@code {}/{severity="page"}}. */
    public String key() {
        return key;
    }

    public String receiver() {
        return receiver;
    }

    public List<LabelMatcher> matchers() {
        return matchers;
    }

    public List<String> groupBy() {
        return groupBy;
    }

    public boolean groupByAll() {
        return groupByAll;
    }

    public Duration groupWait() {
        return groupWait;
    }

    public Duration groupInterval() {
        return groupInterval;
    }

    public Duration repeatInterval() {
        return repeatInterval;
    }

    public boolean continueMatching() {
        return continueMatching;
    }

    /** The escalation policy's name, or null. */
    public String escalation() {
        return escalation;
    }

    public List<Route> routes() {
        return routes;
    }
}
