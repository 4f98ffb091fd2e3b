package dev.peephole.collector.reports;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The scheduler's own loop on two collectors sharing a database: the one that may not lead
 * (alerting disabled) never runs a schedule; the leader runs a schedule that missed three days
 * once, for the latest scheduled time, by itself.
 */
class ReportSchedulerLeaderTest {

    private static Map<String, Object> props(String db, boolean alerting) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.server.port", -1);
        p.put("peephole.db.url", db);
        p.put("peephole.db.user", "postgres");
        p.put("peephole.grpc.port", 0);
        p.put("peephole.admin.password", "test-admin-pass");
        p.put("peephole.agent.token", "leader-test-token");
        p.put("peephole.alerting.enabled", alerting);
        p.put("peephole.reports.check.interval", "1s");
        return p;
    }

    private static long reports(ConnectionPool pool, long scheduleId) throws Exception {
        try (Connection c = pool.dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM reports WHERE schedule_id = ?")) {
            ps.setLong(1, scheduleId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    @Test
    void onlyTheLeaderRunsSchedulesAndAMissedRunOnce() throws Exception {
        String db = TestPostgres.newDatabase();
        try (EmbeddedServer follower = ApplicationContext.run(EmbeddedServer.class, props(db, false))) {
            ConnectionPool pool = follower.getApplicationContext().getBean(ConnectionPool.class);
            ReportStore store = follower.getApplicationContext().getBean(ReportStore.class);
            ReportStore.Schedule s = store.create(new ScheduleSpec("Leader test", "daily", "05:00", null, "UTC", null,
                    List.of(), true), "admin");
            try (Connection c = pool.dataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("UPDATE report_schedules SET last_due = ? WHERE id = ?")) {
                ps.setTimestamp(1, Timestamp.from(Instant.now().minusSeconds(3 * 86_400)));
                ps.setLong(2, s.id());
                ps.executeUpdate();
            }
            Thread.sleep(6_000); // six of its checks
            assertThat(reports(pool, s.id())).as("a collector that may not lead runs no schedule").isZero();

            try (EmbeddedServer leader = ApplicationContext.run(EmbeddedServer.class, props(db, true))) {
                long deadline = System.currentTimeMillis() + 120_000;
                while (reports(pool, s.id()) == 0 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(500);
                }
                assertThat(reports(pool, s.id())).as("the leader ran the missed schedule").isEqualTo(1);
                Thread.sleep(4_000); // more checks: nothing more is due
                assertThat(reports(pool, s.id())).isEqualTo(1);
                ReportStore.Schedule after = store.schedule(s.id()).orElseThrow();
                Instant due = ScheduleSpec.lastRun("daily", "05:00", null, "UTC", Instant.now());
                assertThat(after.lastDue()).isEqualTo(due);
                assertThat(after.lastOutcome()).isEqualTo("not_sent");
                ReportStore.Report r = store.get(after.lastReportId()).orElseThrow();
                assertThat(r.end()).isEqualTo(due);
                assertThat(r.createdBy()).isEqualTo(ReportScheduler.ACTOR);
            }
        }
    }
}
