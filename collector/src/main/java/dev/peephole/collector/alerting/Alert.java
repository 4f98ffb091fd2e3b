package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Labels;
import java.util.Map;

/**
 * One alert of an alerting rule: a label set and where it is in its life. Mutable, owned by
 * its rule and changed only by the rule's evaluation (or an acknowledgement, under the rule's
 * lock). Times are epoch milliseconds; 0 means unset, as Go's zero time in Prometheus.
 */
public final class Alert {
    /**
     * The alert store's id of this episode (pending → resolved); 0 until stored. An evaluation
     * changes the state first and stores it just after, so the API may meet an alert that has
     * no id yet; volatile, so the id set by the evaluating thread is seen by API threads.
     */
    volatile long id;
    final Labels labels;
    Map<String, String> annotations;
    AlertState state;
    double value;
    long activeAtMs;
    long firedAtMs;
    long resolvedAtMs;
    long keepFiringSinceMs;
    long lastSentAtMs;
    long acknowledgedAtMs;
    String acknowledgedBy;

    Alert(Labels labels, Map<String, String> annotations, AlertState state, double value, long activeAtMs) {
        this.labels = labels;
        this.annotations = annotations;
        this.state = state;
        this.value = value;
        this.activeAtMs = activeAtMs;
    }

    public long id() {
        return id;
    }

    public Labels labels() {
        return labels;
    }

    public Map<String, String> annotations() {
        return annotations;
    }

    public AlertState state() {
        return state;
    }

    public double value() {
        return value;
    }

    public long activeAtMs() {
        return activeAtMs;
    }

    public long firedAtMs() {
        return firedAtMs;
    }

    public long resolvedAtMs() {
        return resolvedAtMs;
    }

    public long keepFiringSinceMs() {
        return keepFiringSinceMs;
    }

    public long acknowledgedAtMs() {
        return acknowledgedAtMs;
    }

    public String acknowledgedBy() {
        return acknowledgedBy;
    }

    /** A copy for readers outside the rule's lock. */
    Alert snapshot() {
        Alert a = new Alert(labels, annotations, state, value, activeAtMs);
        a.id = id;
        a.firedAtMs = firedAtMs;
        a.resolvedAtMs = resolvedAtMs;
        a.keepFiringSinceMs = keepFiringSinceMs;
        a.lastSentAtMs = lastSentAtMs;
        a.acknowledgedAtMs = acknowledgedAtMs;
        a.acknowledgedBy = acknowledgedBy;
        return a;
    }
}
