package dev.peephole.collector.alerting;

import dev.peephole.collector.status.ComponentStatus;
import dev.peephole.collector.status.StatusComponent;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The alerts part of {@code /api/v1/status}: a firing alert labelled {@code severity: critical}
 * (or {@code page}) makes Peephole unhealthy, any other firing alert degraded. Read from the
 * alert store, so every collector answers the same, not only the one evaluating.
 */
@Singleton
public class AlertsStatus implements StatusComponent {
    private final AlertStore store;

    public AlertsStatus(AlertStore store) {
        this.store = store;
    }

    @Override
    public String name() {
        return "alerts";
    }

    @Override
    public ComponentStatus check() {
        List<Map.Entry<String, String>> firing;
        try {
            firing = store.firing();
        } catch (SQLException e) {
            return ComponentStatus.degraded("alert state cannot be read: " + e.getMessage());
        }
        TreeSet<String> critical = new TreeSet<>();
        TreeSet<String> other = new TreeSet<>();
        for (Map.Entry<String, String> a : firing) {
            (a.getValue().equals("critical") || a.getValue().equals("page") ? critical : other).add(a.getKey());
        }
        if (!critical.isEmpty()) {
            return ComponentStatus.unhealthy("critical alerts firing: " + String.join(", ", critical)
                    + (other.isEmpty() ? "" : "; also firing: " + String.join(", ", other)));
        }
        if (!other.isEmpty()) {
            return ComponentStatus.degraded("alerts firing: " + String.join(", ", other));
        }
        return ComponentStatus.healthy("no alerts firing");
    }
}
