package dev.peephole.collector.notify.config;

import java.time.Duration;
import java.util.List;

/** Peephole's escalation policy: while an alert fires unacknowledged, level i's receiver is told after its delay. */
public record EscalationPolicy(String name, List<Level> levels) {

    /** One level: the receiver told once the alert has fired {@code after} without acknowledgement. */
    public record Level(String receiver, Duration after) {
    }
}
