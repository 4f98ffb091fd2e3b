package dev.peephole.collector.notify.config;

import dev.peephole.collector.notify.Integration;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A checked notification configuration: the routing tree, receivers with their integrations, inhibitions, escalations. */
public record NotifyRouting(Route route, Map<String, List<Integration>> receivers, List<InhibitRule> inhibitRules,
                            Map<String, EscalationPolicy> escalations, List<Integration> alertmanagers,
                            Duration resolveTimeout) {

    /** The configuration of a collector without a notification file: nothing is routed. */
    public static NotifyRouting empty() {
        return new NotifyRouting(null, Map.of(), List.of(), Map.of(), List.of(), Duration.ofMinutes(5));
    }

    public boolean isEmpty() {
        return route == null && alertmanagers.isEmpty();
    }
}
