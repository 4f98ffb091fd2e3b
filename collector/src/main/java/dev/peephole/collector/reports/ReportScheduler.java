package dev.peephole.collector.reports;

import dev.peephole.collector.alerting.AlertingLeader;
import dev.peephole.collector.util.DaemonThreads;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs report schedules: every {@code PEEPHOLE_REPORTS_CHECK_INTERVAL} the alerting leader (one
 * collector of those sharing the database) looks for schedules whose latest scheduled time is
 * after the last one they ran for, claims that time in the database, builds the report of the
 * period ending then and delivers it. After downtime only the latest missed time is run (once),
 * not one report per missed day. A failure is recorded on the schedule and never stops the loop.
 */
@Context
public class ReportScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(ReportScheduler.class);
    public static final String ACTOR = "scheduler";

    private final ReportStore store;
    private final ReportService service;
    private final AlertingLeader leader;
    private final Duration interval;
    private final ScheduledExecutorService executor = DaemonThreads.scheduler("peephole-reports");

    public ReportScheduler(ReportStore store, ReportService service, AlertingLeader leader,
                           @Value("${peephole.reports.check.interval:30s}") Duration interval) {
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("PEEPHOLE_REPORTS_CHECK_INTERVAL must be positive, not " + interval);
        }
        this.store = store;
        this.service = service;
        this.leader = leader;
        this.interval = interval;
    }

    @PostConstruct
    void start() {
        long ms = interval.toMillis();
        executor.scheduleWithFixedDelay(this::tickQuietly, Math.min(ms, 5_000), ms, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        executor.shutdownNow();
    }

    private void tickQuietly() {
        try {
            if (leader.isLeader()) {
                tick(Instant.now());
            }
        } catch (RuntimeException | SQLException e) {
            LOG.warn("report schedules check failed: {}", e.toString());
        }
    }

    /** The scheduled time a schedule should run for at {@code now}, or null when it has nothing due. */
    static Instant due(ReportStore.Schedule s, Instant now) {
        if (!s.enabled()) {
            return null;
        }
        Instant latest = ScheduleSpec.lastRun(s.period(), s.at(), s.weekday(), s.timezone(), now);
        return s.lastDue() == null || s.lastDue().isBefore(latest) ? latest : null;
    }

    /** Runs every due schedule once (for its latest scheduled time); returns the reports made. */
    public List<ReportService.Generated> tick(Instant now) throws SQLException {
        List<ReportService.Generated> made = new ArrayList<>();
        for (ReportStore.Schedule s : store.schedules()) {
            Instant due = due(s, now);
            if (due == null || !store.claim(s.id(), due)) {
                continue;
            }
            try {
                made.add(run(s, due, ACTOR));
            } catch (SQLException | RuntimeException e) {
                LOG.warn("report schedule {} ({}) failed: {}", s.id(), s.name(), e.toString());
            }
        }
        return made;
    }

    /** Builds the schedule's report for the period ending at {@code end}, delivers it, records the run on the schedule. */
    public ReportService.Generated run(ReportStore.Schedule s, Instant end, String actor) throws SQLException {
        Instant began = Instant.now();
        ReportService.Generated g;
        try {
            g = service.generate(s.period(), end, s, actor);
        } catch (SQLException | RuntimeException e) {
            store.recordRun(s.id(), Instant.now(), null, "failed", "the report could not be built: " + e.getMessage());
            throw e;
        }
        ReportService.Outcome o = service.deliver(g, s);
        store.recordRun(s.id(), Instant.now(), g.report().id(), o.outcome(), o.error());
        LOG.info("report {} of schedule {} ({}) built in {}: {}{}", g.report().id(), s.id(), s.name(),
                ReportService.took(began), o.outcome(), o.error() == null ? "" : " (" + o.error() + ")");
        ReportStore.Report stored = store.get(g.report().id()).orElse(g.report());
        return new ReportService.Generated(stored, g.figures(), g.zone());
    }
}
