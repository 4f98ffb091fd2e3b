package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.GoFloat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Rules and alerts in the JSON of Prometheus' /api/v1/rules and /api/v1/alerts, plus Peephole's fields. */
final class AlertingJson {
    private AlertingJson() {
    }

    static Map<String, Object> alert(Alert a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("labels", new TreeMap<>(a.labels().asMap()));
        m.put("annotations", new TreeMap<>(a.annotations()));
        m.put("state", a.state().json());
        m.put("activeAt", Instant.ofEpochMilli(a.activeAtMs()).toString());
        if (a.keepFiringSinceMs() != 0) {
            m.put("keepFiringSince", Instant.ofEpochMilli(a.keepFiringSinceMs()).toString());
        }
        // Prometheus writes alert values with strconv.FormatFloat(v, 'e', -1, 64).
        m.put("value", GoFloat.formatE(a.value(), -1));
        if (a.id() != 0) {
            // not yet stored (the moment between an evaluation and its write): no id to act on
            m.put("id", a.id());
        }
        if (a.firedAtMs() != 0) {
            m.put("firedAt", Instant.ofEpochMilli(a.firedAtMs()).toString());
        }
        if (a.acknowledgedAtMs() != 0) {
            m.put("acknowledgedAt", Instant.ofEpochMilli(a.acknowledgedAtMs()).toString());
            m.put("acknowledgedBy", a.acknowledgedBy());
        }
        return m;
    }

    /**
     * @param apiIds the stored ids of an API group's rules, in the group's order (empty for files)
     */
    static Map<String, Object> group(RuleGroup g, String type, List<Long> apiIds) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", g.spec().name());
        m.put("file", g.spec().source());
        List<Object> rules = new ArrayList<>();
        for (int i = 0; i < g.rules().size(); i++) {
            RuleGroup.Rule r = g.rules().get(i);
            boolean alerting = r.alerting() != null;
            if ((type.equals("alert") && !alerting) || (type.equals("record") && alerting)) {
                continue;
            }
            rules.add(rule(g, r, i < apiIds.size() ? apiIds.get(i) : null));
        }
        m.put("rules", rules);
        m.put("interval", g.spec().intervalMs() / 1000.0);
        m.put("limit", g.spec().limit());
        m.put("evaluationTime", g.evaluationNanos() / 1e9);
        m.put("lastEvaluation", lastEvaluation(g.lastEvaluationMs()));
        return m;
    }

    private static Map<String, Object> rule(RuleGroup g, RuleGroup.Rule r, Long apiId) {
        Map<String, Object> m = new LinkedHashMap<>();
        RuleSpec s = r.spec();
        if (r.alerting() != null) {
            m.put("state", r.alerting().state().json());
        }
        m.put("name", s.name());
        m.put("query", s.expr());
        if (r.alerting() != null) {
            m.put("duration", s.forMs() / 1000.0);
            m.put("keepFiringFor", s.keepFiringForMs() / 1000.0);
        }
        m.put("labels", new TreeMap<>(s.labels()));
        if (r.alerting() != null) {
            m.put("annotations", new TreeMap<>(s.annotations()));
            List<Object> alerts = new ArrayList<>();
            for (Alert a : r.alerting().alerts()) {
                if (a.state() != AlertState.INACTIVE) {
                    alerts.add(alert(a));
                }
            }
            m.put("alerts", alerts);
        }
        m.put("health", r.health());
        if (!r.lastError().isEmpty()) {
            m.put("lastError", r.lastError());
        }
        m.put("evaluationTime", r.evaluationNanos() / 1e9);
        m.put("lastEvaluation", lastEvaluation(r.lastEvaluationMs()));
        m.put("type", r.alerting() != null ? "alerting" : "recording");
        String source = g.spec().source();
        m.put("source", source.equals(RuleManager.API_SOURCE) ? "api" : source.startsWith("builtin:") ? "builtin" : "file");
        if (apiId != null) {
            m.put("id", apiId);
        }
        return m;
    }

    /** A stored API rule as the rules API returns it after a change. */
    static Map<String, Object> apiRule(RuleStore.ApiRule r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", r.id());
        m.put("group", r.group());
        m.put(r.spec().alerting() ? "alert" : "record", r.spec().name());
        m.put("expr", r.spec().expr());
        if (r.spec().alerting()) {
            m.put("for", dev.peephole.collector.promql.ast.Durations.format(r.spec().forMs()));
            m.put("keep_firing_for", dev.peephole.collector.promql.ast.Durations.format(r.spec().keepFiringForMs()));
            m.put("annotations", new TreeMap<>(r.spec().annotations()));
        }
        m.put("labels", new TreeMap<>(r.spec().labels()));
        m.put("enabled", r.enabled());
        m.put("createdBy", r.createdBy());
        m.put("createdAt", r.createdAt().toString());
        m.put("updatedBy", r.updatedBy());
        m.put("updatedAt", r.updatedAt().toString());
        return m;
    }

    private static String lastEvaluation(long ms) {
        // Go's zero time, as Prometheus shows a rule that has not run yet.
        return ms == 0 ? "0001-01-01T00:00:00Z" : Instant.ofEpochMilli(ms).toString();
    }
}
