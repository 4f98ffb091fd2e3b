package dev.peephole.collector.backup;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * Writes a consistent snapshot of the collector's tables to a backup file while the
 * collector keeps ingesting: one {@code REPEATABLE READ, READ ONLY} transaction (one
 * snapshot for every table) running a binary {@code COPY ... TO STDOUT} per table, each
 * into its own deflate-compressed entry of a ZIP archive, followed by {@code manifest.json}
 * ({@link BackupManifest}). Readers of the database are never blocked by it; writers only
 * wait for it on DDL (partition creation and drops take locks a reader holds).
 */
public final class BackupWriter {

    /** Deflate level 1: several times faster than the default and most of its ratio on COPY data. */
    static final int LEVEL = Deflater.BEST_SPEED;

    private BackupWriter() {
    }

    /**
     * Backs up to {@code file}: written to a temporary file beside it and moved into place
     * only when complete, so a file of that name is always a whole backup.
     */
    public static BackupManifest writeFile(Connection c, Path file) throws IOException, SQLException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + ".partial");
        try {
            BackupManifest m;
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                m = write(c, out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return m;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes the backup archive to {@code out} (not closed). */
    public static BackupManifest write(Connection c, OutputStream out) throws IOException, SQLException {
        boolean autoCommit = c.getAutoCommit();
        int isolation = c.getTransactionIsolation();
        boolean readOnly = c.isReadOnly();
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        c.setReadOnly(true);
        try {
            BackupManifest m = writeInSnapshot(c, out);
            c.commit();
            return m;
        } catch (IOException | SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is likely gone
            }
            throw e;
        } finally {
            c.setReadOnly(readOnly);
            c.setTransactionIsolation(isolation);
            c.setAutoCommit(autoCommit);
        }
    }

    private static BackupManifest writeInSnapshot(Connection c, OutputStream out) throws IOException, SQLException {
        Instant createdAt;
        String serverVersion;
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT now(), current_setting('server_version')")) {
            rs.next(); // the first query takes the snapshot; now() is its transaction's start
            createdAt = rs.getTimestamp(1).toInstant();
            serverVersion = rs.getString(2);
        }
        String schemaVersion = SchemaCatalog.schemaVersion(c)
                .orElseThrow(() -> new SQLException("the database has no Peephole schema (no flyway_schema_history)"))
                .getVersion();
        String flavour = SchemaCatalog.hasTimescale(c) ? "timescaledb" : "postgres";
        CopyManager copy = c.unwrap(PGConnection.class).getCopyAPI();
        MessageDigest payload = sha256();
        List<BackupManifest.Table> tables = new ArrayList<>();
        long totalRows = 0;
        long totalBytes = 0;
        Instant from = null;
        Instant to = null;
        ZipOutputStream zip = new ZipOutputStream(new NonClosing(out));
        zip.setLevel(LEVEL);
        int n = 0;
        for (String table : SchemaCatalog.tables(c)) {
            List<String> columns = SchemaCatalog.columns(c, table);
            Optional<String> timeColumn = SchemaCatalog.timeColumn(c, table);
            BackupManifest.TimeRange range = null;
            if (timeColumn.isPresent()) {
                String col = SchemaCatalog.quote(timeColumn.get());
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT min(" + col + "), max(" + col + ") FROM "
                             + SchemaCatalog.quote(table))) {
                    rs.next();
                    Timestamp min = rs.getTimestamp(1);
                    Timestamp max = rs.getTimestamp(2);
                    if (min != null) {
                        range = new BackupManifest.TimeRange(min.toInstant().toString(), max.toInstant().toString());
                        from = from == null || min.toInstant().isBefore(from) ? min.toInstant() : from;
                        to = to == null || max.toInstant().isAfter(to) ? max.toInstant() : to;
                    }
                }
            }
            String entry = String.format("tables/%03d-%s.pgcopy", ++n, table);
            zip.putNextEntry(new ZipEntry(entry));
            MessageDigest digest = sha256();
            Counting counting = new Counting(zip, digest, payload);
            long rows = copy.copyOut("COPY (SELECT " + SchemaCatalog.columnList(columns) + " FROM "
                    + SchemaCatalog.quote(table) + ") TO STDOUT (FORMAT binary)", counting);
            counting.flush();
            zip.closeEntry();
            tables.add(new BackupManifest.Table(table, columns, rows, counting.bytes, hex(digest), entry,
                    timeColumn.orElse(null), range, SchemaCatalog.partitions(c, table)));
            totalRows += rows;
            totalBytes += counting.bytes;
        }
        BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, BackupManifest.PRODUCT,
                createdAt.toString(), schemaVersion, flavour, serverVersion, "binary",
                new BackupManifest.TimeRange(from == null ? null : from.toString(), to == null ? null : to.toString()),
                tables, totalRows, totalBytes, hex(payload));
        zip.putNextEntry(new ZipEntry(BackupManifest.ENTRY));
        zip.write(manifest.toJson());
        zip.closeEntry();
        zip.finish();
        zip.flush();
        return manifest;
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(MessageDigest d) {
        return HexFormat.of().formatHex(d.digest());
    }

    /** Passes bytes on while counting them into two digests. */
    private static final class Counting extends FilterOutputStream {
        private final MessageDigest table;
        private final MessageDigest payload;
        long bytes;

        Counting(OutputStream out, MessageDigest table, MessageDigest payload) {
            super(out);
            this.table = table;
            this.payload = payload;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            table.update((byte) b);
            payload.update((byte) b);
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            table.update(b, off, len);
            payload.update(b, off, len);
            bytes += len;
        }

        @Override
        public void close() {
            // the ZIP entry is closed by the writer
        }
    }

    /** Lets the ZIP stream be finished without closing the caller's stream. */
    private static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
