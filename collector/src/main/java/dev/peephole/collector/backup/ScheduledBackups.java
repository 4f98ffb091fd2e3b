package dev.peephole.collector.backup;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.util.DaemonThreads;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.scheduling.cron.CronExpression;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled backups: with {@code PEEPHOLE_BACKUP_SCHEDULE} (cron, five fields
 * {@code minute hour day-of-month month day-of-week} or six with seconds first, in UTC) the
 * collector writes a backup to {@code PEEPHOLE_BACKUP_DIR} at each time of the schedule,
 * named {@code peephole-backup-<UTC time>.zip}, and keeps the newest
 * {@code PEEPHOLE_BACKUP_KEEP}. The outcome is on {@code /metrics} and, every minute, in the
 * collector's own series: {@code peephole_backup_last_success_timestamp_seconds},
 * {@code peephole_backup_interval_seconds}, {@code peephole_backup_failures_total}; the
 * built-in rule {@code BackupsStopped} fires when successes stop.
 */
@Context
public class ScheduledBackups {

    static final String PREFIX = "peephole-backup-";
    static final String SUFFIX = ".zip";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledBackups.class);

    private final ConnectionPool pool;
    private final SchemaMigrator schema;
    private final LocalSeriesWriter series;
    private final CronExpression cron;
    private final Path dir;
    private final int keep;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-backup");
    private final Counter failures;
    private volatile Instant lastSuccess;
    private volatile long failureCount;
    private volatile long successCount;
    private final String hostName;

    public ScheduledBackups(ConnectionPool pool, SchemaMigrator schema, LocalSeriesWriter series, MeterRegistry meters,
                            @Value("${peephole.backup.schedule:}") String schedule,
                            @Value("${peephole.backup.dir:}") String dir,
                            @Value("${peephole.data.dir:./peephole-data}") String dataDir,
                            @Value("${peephole.backup.keep:7}") int keep) {
        this.pool = pool;
        this.schema = schema;
        this.series = series;
        if (schedule.isBlank()) {
            this.cron = null;
        } else {
            try {
                this.cron = CronExpression.create(schedule.trim());
                this.cron.nextTimeAfter(ZonedDateTime.now(ZoneOffset.UTC));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("PEEPHOLE_BACKUP_SCHEDULE is not a cron expression (" + schedule + "): "
                        + e.getMessage());
            }
        }
        if (keep < 1) {
            throw new IllegalArgumentException("PEEPHOLE_BACKUP_KEEP must be at least 1, not " + keep);
        }
        this.keep = keep;
        this.dir = dir.isBlank() ? Path.of(dataDir, "backups") : Path.of(dir);
        this.hostName = hostName();
        this.failures = Counter.builder("peephole.backup.failures").description("scheduled backups that failed")
                .register(meters);
        Gauge.builder("peephole.backup.last.success.timestamp.seconds", this,
                        b -> b.lastSuccess == null ? Double.NaN : b.lastSuccess.toEpochMilli() / 1000.0)
                .description("when the newest scheduled backup was completed (Unix seconds)").register(meters);
    }

    @PostConstruct
    void start() {
        if (cron == null) {
            return;
        }
        lastSuccess = newestBackup().orElse(null);
        LOG.info("Scheduled backups to {} ({} kept), next at {}", dir.toAbsolutePath(), keep, next(Instant.now()));
        scheduleNext();
        scheduler.scheduleWithFixedDelay(this::publishQuietly, 5, 60, TimeUnit.SECONDS);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    /** Scheduled backups that succeeded since start. */
    public long successes() {
        return successCount;
    }

    public boolean enabled() {
        return cron != null;
    }

    public Path dir() {
        return dir;
    }

    private Instant next(Instant after) {
        return cron.nextTimeAfter(after.atZone(ZoneOffset.UTC)).toInstant();
    }

    /** The schedule's gap between its next two runs. */
    Duration interval() {
        Instant first = next(Instant.now());
        return Duration.between(first, next(first));
    }

    private void scheduleNext() {
        if (scheduler.isShutdown()) {
            return;
        }
        long delay = Math.max(0, Duration.between(Instant.now(), next(Instant.now())).toMillis());
        scheduler.schedule(() -> {
            runOnce();
            scheduleNext();
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Takes one backup now, rotates, and publishes the outcome; returns the file, or null on failure. */
    public synchronized Path runOnce() {
        Instant started = Instant.now();
        Path file = dir.resolve(PREFIX + STAMP.format(started) + SUFFIX);
        try {
            if (!schema.isMigrated()) {
                throw new SQLException("the schema is not in place yet");
            }
            BackupManifest m;
            try (Connection c = pool.dataSource().getConnection()) {
                m = BackupWriter.writeFile(c, file);
            }
            lastSuccess = Instant.now();
            successCount++;
            LOG.info("Backup written to {}: {} rows in {} ms", file, m.totalRows(),
                    Duration.between(started, lastSuccess).toMillis());
            rotate();
            return file;
        } catch (IOException | SQLException | RuntimeException e) {
            failureCount++;
            failures.increment();
            LOG.warn("Scheduled backup to {} failed: {}", file, e.getMessage());
            return null;
        } finally {
            publishQuietly();
        }
    }

    /** The backups in the folder, newest first. */
    List<Path> backups() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> out = new ArrayList<>(files.filter(p -> {
                String n = p.getFileName().toString();
                return n.startsWith(PREFIX) && n.endsWith(SUFFIX);
            }).sorted().toList());
            java.util.Collections.reverse(out);
            return out;
        }
    }

    private void rotate() throws IOException {
        List<Path> all = backups();
        for (Path old : all.subList(Math.min(keep, all.size()), all.size())) {
            Files.deleteIfExists(old);
            LOG.info("Old backup {} removed (PEEPHOLE_BACKUP_KEEP={})", old, keep);
        }
    }

    private java.util.Optional<Instant> newestBackup() {
        try {
            List<Path> all = backups();
            return all.isEmpty() ? java.util.Optional.empty()
                    : java.util.Optional.of(Files.getLastModifiedTime(all.get(0)).toInstant());
        } catch (IOException e) {
            return java.util.Optional.empty();
        }
    }

    private void publishQuietly() {
        if (cron == null || !schema.isMigrated()) {
            return;
        }
        try {
            long now = System.currentTimeMillis();
            Map<String, String> labels = Map.of("job", "peephole-backup", "service_name", "peephole-collector",
                    "host_name", hostName, "instance", hostName);
            series.write(List.of(new LocalSample("peephole_backup_interval_seconds", labels, now,
                    interval().toSeconds())), "gauge", "the backup schedule's gap between two runs");
            if (lastSuccess != null) {
                series.write(List.of(new LocalSample("peephole_backup_last_success_timestamp_seconds", labels, now,
                        lastSuccess.toEpochMilli() / 1000.0)), "gauge",
                        "when the newest scheduled backup was completed (Unix seconds)");
            }
            series.write(List.of(new LocalSample("peephole_backup_failures_total", labels, now, failureCount)),
                    "counter", "scheduled backups that failed");
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Backup metrics not written: {}", e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
