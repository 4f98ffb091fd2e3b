package dev.peephole.collector.notify;

import java.time.Instant;
import java.util.Map;

/**
 * An alert as one notification carries it.
 *
 * @param endsAt null while firing
 */
public record NotifyAlert(String fingerprint, long id, Map<String, String> labels, Map<String, String> annotations,
                          Instant startsAt, Instant endsAt, String generatorUrl) {

    public boolean resolved() {
        return endsAt != null;
    }

    public String status() {
        return resolved() ? "resolved" : "firing";
    }
}
