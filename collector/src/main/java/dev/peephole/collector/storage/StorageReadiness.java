package dev.peephole.collector.storage;

import dev.peephole.collector.db.SchemaMigrator;
import jakarta.inject.Singleton;

/** Whether rows can be written: schema migrated and partitions in place. */
@Singleton
public class StorageReadiness {

    private final SchemaMigrator schema;
    private final PartitionMaintainer partitions;

    public StorageReadiness(SchemaMigrator schema, PartitionMaintainer partitions) {
        this.schema = schema;
        this.partitions = partitions;
    }

    public boolean isReady() {
        return schema.isMigrated() && partitions.isReady();
    }

    public String reason() {
        if (!schema.isMigrated()) {
            return "schema: " + schema.lastError().orElse("not migrated");
        }
        return partitions.isReady() ? "ok" : "partitions: " + partitions.reason();
    }
}
