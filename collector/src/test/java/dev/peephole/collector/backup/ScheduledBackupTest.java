package dev.peephole.collector.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backups on a cron schedule: they happen, the oldest are removed, the outcome is a metric and a rule watches it. */
class ScheduledBackupTest {

    private static final String ADMIN = Http.basic("admin", "sched-admin-1");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Map<String, Object> props() {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "st");
        props.put("peephole.admin.password", "sched-admin-1");
        return props;
    }

    @Test
    void backupsRunOnTheScheduleKeepTheNewestAndReportTheirOutcome() throws Exception {
        Path dir = tmp.resolve("backups");
        Map<String, Object> props = props();
        props.put("peephole.backup.schedule", "*/2 * * * * *"); // every 2 seconds (six fields: seconds first)
        props.put("peephole.backup.dir", dir.toString());
        props.put("peephole.backup.keep", 2);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            Http http = new Http(server);
            ScheduledBackups backups = server.getApplicationContext().getBean(ScheduledBackups.class);
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (backups.successes() < 4 && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(backups.successes()).isGreaterThanOrEqualTo(4);
            List<Path> kept = backups.backups();
            assertThat(kept).hasSizeBetween(2, 3); // 2 after each rotation; a third may be being written
            for (Path p : kept.subList(kept.size() - 2, kept.size())) {
                assertThat(BackupRestorer.verify(p).tables()).isNotEmpty();
            }
            try (var files = Files.list(dir)) {
                assertThat(files.filter(p -> !p.getFileName().toString().startsWith(".")).count()).isLessThanOrEqualTo(3);
            }

            String metrics = http.get("/metrics", ADMIN).body();
            assertThat(metrics).contains("peephole_backup_last_success_timestamp_seconds")
                    .contains("peephole_backup_failures_total");
            double now = System.currentTimeMillis() / 1000.0;
            deadline = System.nanoTime() + 120_000_000_000L;
            JsonNode result = null;
            while (System.nanoTime() < deadline) {
                result = JSON.readTree(http.get("/api/v1/query?query=peephole_backup_last_success_timestamp_seconds",
                        ADMIN).body()).get("data").get("result");
                if (result.size() > 0) {
                    break;
                }
                Thread.sleep(500);
            }
            assertThat(result).hasSize(1);
            assertThat(result.get(0).get("value").get(1).asDouble()).isBetween(now - 120, now + 5);
            JsonNode interval = JSON.readTree(http.get("/api/v1/query?query=peephole_backup_interval_seconds", ADMIN)
                    .body()).get("data").get("result");
            assertThat(interval.get(0).get("value").get(1).asDouble()).isEqualTo(2.0);
            assertThat(http.get("/api/v1/rules", ADMIN).body()).contains("BackupsStopped").contains("BackupFailed");
        }
    }

    @Test
    void withoutAScheduleThereAreNoBackupsAndNoBackupRules() throws Exception {
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props())) {
            assertThat(server.getApplicationContext().getBean(ScheduledBackups.class).enabled()).isFalse();
            String rules = new Http(server).get("/api/v1/rules", ADMIN).body();
            assertThat(rules).contains("BlacklistedPersonAtDoor").doesNotContain("BackupsStopped");
        }
    }

    @Test
    void fiveFieldCronIsMinuteHourDayMonthWeekdayInUtc() {
        io.micronaut.scheduling.cron.CronExpression daily = io.micronaut.scheduling.cron.CronExpression.create("0 3 * * *");
        java.time.ZonedDateTime from = java.time.ZonedDateTime.parse("2026-12-01T13:05:00Z");
        assertThat(daily.nextTimeAfter(from)).isEqualTo(java.time.ZonedDateTime.parse("2026-12-02T03:00:00Z"));
        io.micronaut.scheduling.cron.CronExpression quarter = io.micronaut.scheduling.cron.CronExpression.create("*/15 * * * *");
        assertThat(quarter.nextTimeAfter(from)).isEqualTo(java.time.ZonedDateTime.parse("2026-12-01T13:15:00Z"));
    }

    @Test
    void aWrongScheduleStopsStartUpNamingTheSetting() {
        Map<String, Object> props = props();
        props.put("peephole.backup.schedule", "every day");
        assertThatThrownBy(() -> ApplicationContext.run(EmbeddedServer.class, props).close())
                .hasStackTraceContaining("PEEPHOLE_BACKUP_SCHEDULE is not a cron expression");
    }
}
