package dev.peephole.collector.notify;

import java.time.Instant;
import java.util.Map;

/**
 * One alert as the rule evaluator hands it to notification routing: the shape Prometheus
 * posts to Alertmanager, plus Peephole's id and acknowledgement (which stops escalation).
 *
 * @param id             the alert's id in the alert store (stable for one label set's episode)
 * @param labels         the alert's labels, {@code alertname} included
 * @param annotations    expanded annotations
 * @param startsAt       when the alert began firing
 * @param endsAt         null while firing; the resolution time once resolved
 * @param generatorUrl   a link to the expression in the dashboard (may be empty)
 * @param acknowledgedAt null until someone acknowledges it
 * @param acknowledgedBy who acknowledged it, or null
 */
public record AlertNotice(long id, Map<String, String> labels, Map<String, String> annotations,
                          Instant startsAt, Instant endsAt, String generatorUrl,
                          Instant acknowledgedAt, String acknowledgedBy) {

    public boolean resolved() {
        return endsAt != null;
    }

    public boolean acknowledged() {
        return acknowledgedAt != null;
    }
}
