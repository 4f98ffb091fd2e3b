package dev.peephole.collector.status;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code GET /api/v1/status}: {@code {"status":"healthy","components":[{"name":..,"status":..,"reason":..}]}}.
 * The overall status is the worst component's; components are sorted by name.
 */
@Controller("/api/v1/status")
@ExecuteOn(TaskExecutors.BLOCKING)
public class StatusController {

    private final List<StatusComponent> components;

    public StatusController(List<StatusComponent> components) {
        this.components = components;
    }

    @Serdeable
    public record Component(String name, String status, String reason) {
    }

    @Serdeable
    public record Status(String status, List<Component> components) {
    }

    @Get
    public Status status() {
        List<Component> out = new ArrayList<>();
        String overall = ComponentStatus.HEALTHY;
        for (StatusComponent c : components) {
            ComponentStatus s;
            try {
                s = c.check();
            } catch (RuntimeException e) {
                s = ComponentStatus.degraded("the check failed: " + e.getMessage());
            }
            out.add(new Component(c.name(), s.status(), s.reason()));
            overall = ComponentStatus.worst(overall, s.status());
        }
        out.sort(Comparator.comparing(Component::name));
        return new Status(overall, out);
    }
}
