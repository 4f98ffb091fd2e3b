package dev.peephole.collector.backup;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.List;

/**
 * The {@code manifest.json} entry of a backup file: what the snapshot holds and how to check it.
 * Tables are listed in dependency order (a table after those it references), the order restore
 * loads them in. Each table's {@code sha256} is that of its COPY data as PostgreSQL sent it
 * (uncompressed); {@code payloadSha256} is the SHA-256 of those table checksums in order, so
 * one value checks the whole payload.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BackupManifest(
        int formatVersion,
        String product,
        String createdAt,
        String schemaVersion,
        String flavour,
        String serverVersion,
        String copyFormat,
        TimeRange timeRange,
        List<Table> tables,
        long totalRows,
        long totalBytes,
        String payloadSha256) {

    public static final int FORMAT_VERSION = 1;
    public static final String PRODUCT = "peephole";
    public static final String ENTRY = "manifest.json";

    /** Oldest and newest time in the snapshot's time-keyed tables (ISO-8601, null when empty). */
    public record TimeRange(String from, String to) {
    }

    /**
     * One table: its name, columns (in COPY order), rows, uncompressed bytes, checksum, the ZIP
     * entry holding its data, its time column and range when it has one, and for a partitioned
     * table its partitions ({@code name} and bound, as {@code pg_get_expr} gives it).
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Table(String name, List<String> columns, long rows, long bytes, String sha256, String entry,
                        String timeColumn, TimeRange timeRange, List<Partition> partitions) {
    }

    public record Partition(String name, String bound) {
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public byte[] toJson() throws IOException {
        return JSON.writeValueAsBytes(this);
    }

    public static BackupManifest parse(byte[] json) throws IOException {
        return JSON.readValue(json, BackupManifest.class);
    }
}
