package dev.peephole.collector.securityevents;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.storage.Retention;
import dev.peephole.collector.ingest.SecurityEventMapping;
import dev.peephole.collector.ingest.SeriesKey;
import dev.peephole.collector.storage.StorageReadiness;
import dev.peephole.collector.util.DaemonThreads;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the counter series {@code peephole_security_events_total{kind, service_name,
 * host_name, instance}} from the running totals that ingest keeps in
 * {@code security_event_totals} (so the counter only goes up, across restarts and across
 * several collectors on one database). Every {@code PEEPHOLE_SECURITY_COUNTER_INTERVAL}
 * (10 s) it writes each series that had an event in the last
 * {@link SecurityEventMapping#IDLE_SECONDS}: the total, read under the row's lock and
 * stamped with the database clock at that moment, so samples of one series never go down
 * even when several collectors write it. A new series (or one after an idle spell) first
 * gets the value it had just before its first event (0 for a new one), so
 * {@code increase(peephole_security_events_total{kind="blacklisted"}[1m]) > 0} sees the
 * very first event. The row update and the samples commit in one transaction.
 * Also deletes security events older than {@code PEEPHOLE_RETENTION_SECURITY_EVENTS} (90 d),
 * every 10 minutes; the running totals stay (they are what keeps the counter monotonic).
 */
@Context
public class SecurityEventCounter {

    public static final String METRIC = "peephole_security_events_total";
    static final String HELP = "security events (recognition results) stored, by kind";
    private static final Logger LOG = LoggerFactory.getLogger(SecurityEventCounter.class);

    private final DataSource dataSource;
    private final LocalSeriesWriter writer;
    private final StorageReadiness readiness;
    private final Duration interval;
    private final Retention retention;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-security-counter");

    public SecurityEventCounter(ConnectionPool pool, LocalSeriesWriter writer, StorageReadiness readiness,
                                @Value("${peephole.security.counter.interval:10s}") Duration interval,
                                Retention retention) {
        this.dataSource = pool.dataSource();
        this.writer = writer;
        this.readiness = readiness;
        if (interval.isNegative() || interval.compareTo(Duration.ofSeconds(15)) > 0) {
            throw new IllegalArgumentException("PEEPHOLE_SECURITY_COUNTER_INTERVAL must be from 0s (off) to 15s, not "
                    + interval);
        }
        this.interval = interval;
        this.retention = retention;
    }

    @PostConstruct
    void start() {
        if (!interval.isZero()) {
            scheduler.scheduleWithFixedDelay(this::publishQuietly, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
        scheduler.scheduleWithFixedDelay(this::pruneQuietly, 1, 10, TimeUnit.MINUTES);
    }

    private void pruneQuietly() {
        try {
            if (readiness.isReady()) {
                prune();
            }
        } catch (Exception e) {
            LOG.warn("Old security events not deleted this round: {}", e.getMessage());
        }
    }

    /** Deletes the events past the retention; returns how many. */
    public int prune() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "DELETE FROM security_events WHERE at < now() - make_interval(secs => ?)")) {
            ps.setLong(1, retention.effective(c, Retention.Kind.SECURITY_EVENTS).toSeconds());
            return ps.executeUpdate();
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    private void publishQuietly() {
        try {
            if (readiness.isReady()) {
                publish();
            }
        } catch (Exception e) {
            LOG.warn("Security event counters not written this round: {}", e.getMessage());
        }
    }

    private record Row(String agentId, String kind, String serviceName, String hostName) {
        Map<String, String> labels() {
            return Map.of("kind", kind, "service_name", serviceName, "host_name", hostName, "instance", agentId);
        }
    }

    /** One round: writes the due series; returns how many samples were written. */
    public int publish() throws SQLException {
        // Series skip a round when another collector wrote them less than half an interval ago.
        double minGapSeconds = Math.max(1, interval.toMillis() / 2000.0);
        try (Connection c = dataSource.getConnection()) {
            // 1. Which series are due, and their ids, outside the transaction (ids are cached; never rolled back).
            List<Row> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT agent_id, kind, service_name, host_name FROM security_event_totals "
                            + "WHERE last_event_at > clock_timestamp() - make_interval(secs => ?)")) {
                ps.setInt(1, SecurityEventMapping.IDLE_SECONDS);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                    }
                }
            }
            if (due.isEmpty()) {
                return 0;
            }
            List<LocalSample> shapes = new ArrayList<>();
            for (Row r : due) {
                shapes.add(new LocalSample(METRIC, r.labels(), 0, 0));
            }
            Map<SeriesKey, Long> ids = writer.prepareSeries(c, shapes, "counter", HELP);
            // 2. Under the rows' locks: read the totals, mark them written, write the samples; one commit.
            c.setAutoCommit(false);
            try {
                List<LocalSample> samples = new ArrayList<>();
                try (PreparedStatement ps = c.prepareStatement(
                        "WITH due AS (SELECT t.agent_id, t.kind, t.service_name, t.host_name, t.published_at AS prev "
                                + "FROM security_event_totals t JOIN unnest(?::text[], ?::text[], ?::text[], ?::text[]) "
                                + "AS d(a, k, s, h) ON t.agent_id = d.a AND t.kind = d.k AND t.service_name = d.s "
                                + "AND t.host_name = d.h "
                                + "WHERE t.published_at IS NULL OR t.published_at < clock_timestamp() - make_interval(secs => ?) "
                                + "ORDER BY t.agent_id, t.kind, t.service_name, t.host_name FOR UPDATE OF t) "
                                + "UPDATE security_event_totals t SET published_at = clock_timestamp() FROM due "
                                + "WHERE t.agent_id = due.agent_id AND t.kind = due.kind "
                                + "AND t.service_name = due.service_name AND t.host_name = due.host_name "
                                + "RETURNING t.agent_id, t.kind, t.service_name, t.host_name, t.total, t.published_at, "
                                + "t.burst_at, t.burst_total, due.prev")) {
                    ps.setArray(1, c.createArrayOf("text", due.stream().map(Row::agentId).toArray()));
                    ps.setArray(2, c.createArrayOf("text", due.stream().map(Row::kind).toArray()));
                    ps.setArray(3, c.createArrayOf("text", due.stream().map(Row::serviceName).toArray()));
                    ps.setArray(4, c.createArrayOf("text", due.stream().map(Row::hostName).toArray()));
                    ps.setDouble(5, minGapSeconds);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Row r = new Row(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4));
                            long at = rs.getTimestamp(6).getTime();
                            Timestamp burstAt = rs.getTimestamp(7);
                            Timestamp prev = rs.getTimestamp(9);
                            if (prev == null || burstAt.after(prev)) {
                                samples.add(new LocalSample(METRIC, r.labels(), burstAt.getTime(), rs.getLong(8)));
                            }
                            samples.add(new LocalSample(METRIC, r.labels(), at, rs.getLong(5)));
                        }
                    }
                }
                int written = writer.copy(c, samples, ids);
                c.commit();
                return written;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the pool discards a broken connection
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // as above
                }
            }
        }
    }
}
