package dev.peephole.collector.http;

import dev.peephole.collector.db.DatabaseProbe;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.storage.PartitionMaintainer;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The readiness checks of {@code /ready} (and the database component of {@code /api/v1/status}). */
@Singleton
public class Readiness {

    private final DatabaseProbe database;
    private final SchemaMigrator schema;
    private final PartitionMaintainer partitions;

    public Readiness(DatabaseProbe database, SchemaMigrator schema, PartitionMaintainer partitions) {
        this.database = database;
        this.schema = schema;
        this.partitions = partitions;
    }

    /** Each check's "UP" or "UP: detail" or "DOWN: why", in order. */
    public Map<String, String> checks() {
        Map<String, String> checks = new LinkedHashMap<>();
        Optional<String> dbProblem = database.check();
        checks.put("database", dbProblem.map(p -> "DOWN: " + p).orElse("UP"));
        if (schema.isMigrated()) {
            checks.put("schema", "UP: version " + schema.schemaVersion().orElseThrow()
                    + " on " + schema.flavour().orElseThrow().name().toLowerCase(java.util.Locale.ROOT));
            checks.put("partitions", partitions.isReady() ? "UP" : "DOWN: " + partitions.reason());
        } else {
            checks.put("schema", "DOWN: " + schema.lastError().orElse("migrations not applied"));
        }
        return checks;
    }

    /** Ready when every check is up (and the schema is in place). */
    public static boolean isReady(Map<String, String> checks) {
        return checks.containsKey("partitions") && checks.values().stream().allMatch(v -> v.startsWith("UP"));
    }
}
