package dev.peephole.collector.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.util.Map;

/**
 * Liveness and readiness. {@code /health} answers while the process serves;
 * {@code /ready} only once the database answers and the schema is in place.
 */
@Controller
public class HealthController {

    private final Readiness readiness;

    public HealthController(Readiness readiness) {
        this.readiness = readiness;
    }

    @Serdeable
    public record Status(String status, @io.micronaut.core.annotation.Nullable Map<String, String> checks) {
    }

    /** Exactly {"status":"UP"} while the process serves (no checks: that is /ready's job). */
    @Get("/health")
    public Status health() {
        return new Status("UP", null);
    }

    @Get("/ready")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<Status> ready() {
        Map<String, String> checks = readiness.checks();
        boolean ready = Readiness.isReady(checks);
        Status body = new Status(ready ? "UP" : "DOWN", checks);
        return ready ? HttpResponse.ok(body) : HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }
}
