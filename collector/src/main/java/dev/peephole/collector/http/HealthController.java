package dev.peephole.collector.http;

import dev.peephole.collector.db.DatabaseProbe;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.storage.PartitionMaintainer;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Liveness and readiness. {@code /health} answers while the process serves;
 * {@code /ready} only once the database answers and the schema is in place.
 */
@Controller
public class HealthController {

    private final DatabaseProbe database;
    private final SchemaMigrator schema;
    private final PartitionMaintainer partitions;

    public HealthController(DatabaseProbe database, SchemaMigrator schema, PartitionMaintainer partitions) {
        this.database = database;
        this.schema = schema;
        this.partitions = partitions;
    }

    @Serdeable
    public record Status(String status, Map<String, String> checks) {
    }

    @Get("/health")
    public Status health() {
        return new Status("UP", Map.of());
    }

    @Get("/ready")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<Status> ready() {
        Map<String, String> checks = new LinkedHashMap<>();
        Optional<String> dbProblem = database.check();
        checks.put("database", dbProblem.map(p -> "DOWN: " + p).orElse("UP"));
        if (schema.isMigrated()) {
            checks.put("schema", "UP: version " + schema.schemaVersion().orElseThrow()
                    + " on " + schema.flavour().orElseThrow().name().toLowerCase(java.util.Locale.ROOT));
        } else {
            checks.put("schema", "DOWN: " + schema.lastError().orElse("migrations not applied"));
        }
        if (schema.isMigrated()) {
            checks.put("partitions", partitions.isReady() ? "UP" : "DOWN: " + partitions.reason());
        }
        boolean ready = dbProblem.isEmpty() && schema.isMigrated() && partitions.isReady();
        Status body = new Status(ready ? "UP" : "DOWN", checks);
        return ready ? HttpResponse.ok(body) : HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(body);
    }
}
