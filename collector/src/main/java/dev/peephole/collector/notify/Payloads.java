package dev.peephole.collector.notify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Alertmanager's notification shapes: the webhook's version 4 JSON, the template data, the v2 API alert. */
public final class Payloads {

    static final ObjectMapper JSON = new ObjectMapper();
    /** Go's zero time, which Alertmanager writes as a firing alert's endsAt. */
    static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private Payloads() {
    }

    /** The webhook body, Alertmanager's {@code "version": "4"} payload. */
    public static Map<String, Object> webhook(Notification n, int maxAlerts) {
        List<NotifyAlert> alerts = n.alerts();
        int truncated = 0;
        if (maxAlerts > 0 && alerts.size() > maxAlerts) {
            truncated = alerts.size() - maxAlerts;
            alerts = alerts.subList(0, maxAlerts);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("receiver", n.receiver());
        body.put("status", n.status());
        List<Map<String, Object>> list = new ArrayList<>();
        for (NotifyAlert a : alerts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("status", a.status());
            m.put("labels", sorted(a.labels()));
            m.put("annotations", sorted(a.annotations()));
            m.put("startsAt", time(a.startsAt()));
            m.put("endsAt", a.endsAt() == null ? ZERO_TIME : time(a.endsAt()));
            m.put("generatorURL", a.generatorUrl() == null ? "" : a.generatorUrl());
            m.put("fingerprint", a.fingerprint());
            list.add(m);
        }
        body.put("alerts", list);
        body.put("groupLabels", sorted(n.groupLabels()));
        body.put("commonLabels", sorted(n.commonLabels()));
        body.put("commonAnnotations", sorted(n.commonAnnotations()));
        body.put("externalURL", n.externalUrl());
        body.put("version", "4");
        body.put("groupKey", n.groupKey());
        body.put("truncatedAlerts", truncated);
        return body;
    }

    /** The data templates see: {@code .Receiver .Status .Alerts .GroupLabels .CommonLabels .CommonAnnotations .ExternalURL}. */
    public static Map<String, Object> templateData(Notification n) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("Receiver", n.receiver());
        d.put("Status", n.status());
        List<Map<String, Object>> alerts = new ArrayList<>();
        for (NotifyAlert a : n.alerts()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Status", a.status());
            m.put("Labels", new GoTemplate.Kv(a.labels()));
            m.put("Annotations", new GoTemplate.Kv(a.annotations()));
            m.put("StartsAt", time(a.startsAt()));
            m.put("EndsAt", a.endsAt() == null ? ZERO_TIME : time(a.endsAt()));
            m.put("GeneratorURL", a.generatorUrl() == null ? "" : a.generatorUrl());
            m.put("Fingerprint", a.fingerprint());
            alerts.add(m);
        }
        d.put("Alerts", new GoTemplate.AlertList(alerts));
        d.put("GroupLabels", new GoTemplate.Kv(n.groupLabels()));
        d.put("CommonLabels", new GoTemplate.Kv(n.commonLabels()));
        d.put("CommonAnnotations", new GoTemplate.Kv(n.commonAnnotations()));
        d.put("ExternalURL", n.externalUrl());
        return d;
    }

    /** Alerts in the shape of Alertmanager's {@code POST /api/v2/alerts}. */
    public static List<Map<String, Object>> alertmanagerV2(List<NotifyAlert> alerts) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (NotifyAlert a : alerts) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("labels", sorted(a.labels()));
            m.put("annotations", sorted(a.annotations()));
            m.put("startsAt", time(a.startsAt()));
            if (a.endsAt() != null) {
                m.put("endsAt", time(a.endsAt()));
            }
            m.put("generatorURL", a.generatorUrl() == null ? "" : a.generatorUrl());
            out.add(m);
        }
        return out;
    }

    static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, String> sorted(Map<String, String> m) {
        return new java.util.TreeMap<>(m == null ? Map.of() : m);
    }

    static String time(Instant t) {
        return t == null ? ZERO_TIME : t.toString();
    }
}
