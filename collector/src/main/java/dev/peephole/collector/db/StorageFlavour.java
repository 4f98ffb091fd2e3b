package dev.peephole.collector.db;

/** Which database the collector stores into; both answer the same queries the same way. */
public enum StorageFlavour {
    /** Plain PostgreSQL: partitions and rollups maintained by the collector. */
    POSTGRES("postgres"),
    /** TimescaleDB: hypertables, compression, retention and continuous aggregates. */
    TIMESCALEDB("timescaledb");

    private final String migrationFolder;

    StorageFlavour(String migrationFolder) {
        this.migrationFolder = migrationFolder;
    }

    public String migrationLocation() {
        return "classpath:db/migration/" + migrationFolder;
    }
}
