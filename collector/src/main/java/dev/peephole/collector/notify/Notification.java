package dev.peephole.collector.notify;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One notification of one alert group to one receiver, as Alertmanager builds it.
 *
 * @param externalUrl the link back to Peephole ({@code PEEPHOLE_EXTERNAL_URL})
 */
public record Notification(String receiver, String groupKey, Map<String, String> groupLabels, List<NotifyAlert> alerts,
                           String externalUrl) {

    /** {@code firing} while any alert fires, else {@code resolved}. */
    public String status() {
        return alerts.stream().anyMatch(a -> !a.resolved()) ? "firing" : "resolved";
    }

    public Notification withAlerts(List<NotifyAlert> subset) {
        return new Notification(receiver, groupKey, groupLabels, subset, externalUrl);
    }

    public List<NotifyAlert> firing() {
        return alerts.stream().filter(a -> !a.resolved()).toList();
    }

    public List<NotifyAlert> resolvedAlerts() {
        return alerts.stream().filter(NotifyAlert::resolved).toList();
    }

    /** Labels every alert has with the same value. */
    public Map<String, String> commonLabels() {
        return common(alerts.stream().map(NotifyAlert::labels).toList());
    }

    public Map<String, String> commonAnnotations() {
        return common(alerts.stream().map(NotifyAlert::annotations).toList());
    }

    private static Map<String, String> common(List<Map<String, String>> maps) {
        Map<String, String> out = new java.util.TreeMap<>();
        if (maps.isEmpty()) {
            return out;
        }
        out.putAll(maps.get(0));
        for (Map<String, String> m : maps.subList(1, maps.size())) {
            out.entrySet().removeIf(e -> !Objects.equals(e.getValue(), m.get(e.getKey())));
        }
        return new LinkedHashMap<>(out);
    }
}
