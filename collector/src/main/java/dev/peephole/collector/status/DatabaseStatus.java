package dev.peephole.collector.status;

import dev.peephole.collector.http.Readiness;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.stream.Collectors;

/** The database, from the same checks as {@code /ready}: not ready is unhealthy. */
@Singleton
public class DatabaseStatus implements StatusComponent {

    private final Readiness readiness;

    public DatabaseStatus(Readiness readiness) {
        this.readiness = readiness;
    }

    @Override
    public String name() {
        return "database";
    }

    @Override
    public ComponentStatus check() {
        Map<String, String> checks = readiness.checks();
        String reason = checks.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining("; "));
        return Readiness.isReady(checks) ? ComponentStatus.healthy(reason) : ComponentStatus.unhealthy(reason);
    }
}
