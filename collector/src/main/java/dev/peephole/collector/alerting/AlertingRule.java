package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Sample;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An alerting rule and its alerts, with the state machine of Prometheus' rules/alerting.go:
 * a new label set is pending; pending for {@code for} becomes firing; a condition that clears
 * drops a pending alert (so {@code for} restarts) and resolves a firing one, unless
 * {@code keep_firing_for} holds it; one alert per label set; resolved alerts are kept 15 minutes
 * so receivers hear of the resolution.
 */
public final class AlertingRule {
    /** How long a resolved alert is kept (Prometheus' resolvedRetention). */
    static final long RESOLVED_RETENTION_MS = 15 * 60_000L;

    /** One change of an alert's state in an evaluation (or by an acknowledgement). */
    public record Transition(Alert alert, AlertState from, AlertState to, long atMs) {
    }

    /** Constant data every template of a rule sees. */
    public record TemplateContext(Map<String, String> externalLabels, String externalUrl) {
        public static final TemplateContext NONE = new TemplateContext(Map.of(), "");
    }

    private final RuleSpec spec;
    private final String key;
    private final Map<String, AlertTemplate> labelTemplates = new LinkedHashMap<>();
    private final Map<String, AlertTemplate> annotationTemplates = new LinkedHashMap<>();
    private final Map<Labels, Alert> active = new LinkedHashMap<>();

    /**
     * @param key the rule's identity in the alert store (source, group and name), so alerts
     *            survive a restart and an edit of the expression, as Prometheus restores by labels
     */
    public AlertingRule(RuleSpec spec, String key) {
        this.spec = spec;
        this.key = key;
        try {
            for (Map.Entry<String, String> e : spec.labels().entrySet()) {
                labelTemplates.put(e.getKey(), AlertTemplate.parse(e.getValue()));
            }
            for (Map.Entry<String, String> e : spec.annotations().entrySet()) {
                annotationTemplates.put(e.getKey(), AlertTemplate.parse(e.getValue()));
            }
        } catch (AlertTemplate.TemplateException e) {
            // RuleFileParser refuses such rules before they get here.
            throw new IllegalArgumentException("rule " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    public RuleSpec spec() {
        return spec;
    }

    public String key() {
        return key;
    }

    /**
     * Applies one evaluation's result at {@code ts}.
     *
     * @param limit the group's limit on alerts (0: none); over it, all alerts are dropped and
     *              the evaluation fails, as Prometheus does
     * @return the transitions, in order
     */
    public synchronized List<Transition> apply(long ts, List<Sample> vector, int limit, TemplateContext ctx)
            throws RuleEvalException {
        Map<Labels, Alert> fresh = new HashMap<>();
        for (Sample s : vector) {
            AlertTemplate.Data data = new AlertTemplate.Data(s.labels().asMap(), s.v(), ctx.externalLabels(),
                    ctx.externalUrl());
            Labels l = s.labels().withoutMetricName();
            for (Map.Entry<String, AlertTemplate> e : labelTemplates.entrySet()) {
                l = l.with(e.getKey(), e.getValue().expand(data));
            }
            l = l.with("alertname", spec.name());
            Map<String, String> annotations = new LinkedHashMap<>();
            for (Map.Entry<String, AlertTemplate> e : annotationTemplates.entrySet()) {
                annotations.put(e.getKey(), e.getValue().expand(data));
            }
            if (fresh.containsKey(l)) {
                throw new RuleEvalException("vector contains metrics with the same labelset after applying alert labels");
            }
            fresh.put(l, new Alert(l, Map.copyOf(annotations), AlertState.PENDING, s.v(), ts));
        }
        List<Transition> transitions = new ArrayList<>();
        for (Alert a : fresh.values()) {
            Alert existing = active.get(a.labels);
            if (existing != null && existing.state != AlertState.INACTIVE) {
                existing.value = a.value;
                existing.annotations = a.annotations;
                continue;
            }
            active.put(a.labels, a);
            transitions.add(new Transition(a, AlertState.INACTIVE, AlertState.PENDING, ts));
        }
        int activePending = 0;
        for (Iterator<Alert> it = active.values().iterator(); it.hasNext(); ) {
            Alert a = it.next();
            if (!fresh.containsKey(a.labels)) {
                boolean keepFiring = false;
                if (a.state == AlertState.FIRING && spec.keepFiringForMs() > 0) {
                    if (a.keepFiringSinceMs == 0) {
                        a.keepFiringSinceMs = ts;
                    }
                    keepFiring = ts - a.keepFiringSinceMs < spec.keepFiringForMs();
                }
                if (a.state == AlertState.PENDING
                        || (a.resolvedAtMs != 0 && ts - a.resolvedAtMs > RESOLVED_RETENTION_MS)) {
                    it.remove();
                }
                if (a.state != AlertState.INACTIVE && !keepFiring) {
                    transitions.add(new Transition(a, a.state, AlertState.INACTIVE, ts));
                    a.state = AlertState.INACTIVE;
                    a.resolvedAtMs = ts;
                }
                if (!keepFiring) {
                    continue;
                }
            } else {
                a.keepFiringSinceMs = 0;
            }
            activePending++;
            if (a.state == AlertState.PENDING && ts - a.activeAtMs >= spec.forMs()) {
                a.state = AlertState.FIRING;
                a.firedAtMs = ts;
                transitions.add(new Transition(a, AlertState.PENDING, AlertState.FIRING, ts));
            }
        }
        if (limit > 0 && activePending > limit) {
            active.clear();
            throw new RuleEvalException("exceeded limit of " + limit + " with " + activePending + " alerts");
        }
        return transitions;
    }

    /**
     * The alerts to hand to notification routing after an evaluation at {@code ts}: every firing
     * alert, and each resolved alert not yet sent since its resolution.
     */
    public synchronized List<Alert> toSend(long ts) {
        List<Alert> out = new ArrayList<>();
        for (Alert a : active.values()) {
            boolean send = a.state == AlertState.FIRING
                    || (a.state == AlertState.INACTIVE && a.resolvedAtMs != 0 && a.resolvedAtMs > a.lastSentAtMs
                        && a.firedAtMs != 0);
            if (send) {
                a.lastSentAtMs = ts;
                out.add(a.snapshot());
            }
        }
        return out;
    }

    /** Copies of the alerts the rule holds (pending, firing and recently resolved). */
    public synchronized List<Alert> alerts() {
        List<Alert> out = new ArrayList<>();
        for (Alert a : active.values()) {
            out.add(a.snapshot());
        }
        return out;
    }

    /** The rule's state as Prometheus reports it: firing if any alert fires, else pending if any is, else inactive. */
    public synchronized AlertState state() {
        AlertState s = AlertState.INACTIVE;
        for (Alert a : active.values()) {
            if (a.state.ordinal() > s.ordinal()) {
                s = a.state;
            }
        }
        return s;
    }

    /** Puts back alerts stored before a restart (pending and firing ones, with their times). */
    public synchronized void restore(Collection<Alert> stored) {
        for (Alert a : stored) {
            if (a.labels.get("alertname") != null && a.labels.get("alertname").equals(spec.name())) {
                active.put(a.labels, a);
            }
        }
    }

    /** Sets the alert store's id of an alert this rule holds. */
    synchronized void assignId(Labels labels, long activeAtMs, long id) {
        Alert a = active.get(labels);
        if (a != null && a.activeAtMs == activeAtMs) {
            a.id = id;
        }
    }

    /**
     * Applies an acknowledgement stored by another collector.
     *
     * @return a copy of the alert when this rule holds it unacknowledged until now, else null
     */
    public synchronized Alert applyStoredAcknowledgement(long id, String by, long at) {
        for (Alert a : active.values()) {
            if (a.id == id && a.id != 0 && a.acknowledgedAtMs == 0) {
                a.acknowledgedAtMs = at;
                a.acknowledgedBy = by;
                return a.snapshot();
            }
        }
        return null;
    }

    /**
     * Acknowledges the alert with the store id {@code id} if this rule holds it.
     *
     * @return a copy of the acknowledged alert, or null when the rule does not hold it
     */
    public synchronized Alert acknowledge(long id, String by, long now) {
        for (Alert a : active.values()) {
            if (a.id == id && a.id != 0) {
                if (a.acknowledgedAtMs == 0) {
                    a.acknowledgedAtMs = now;
                    a.acknowledgedBy = by;
                }
                return a.snapshot();
            }
        }
        return null;
    }
}
