package dev.peephole.collector.agents;

import dev.peephole.collector.util.DaemonThreads;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.proto.v1.Heartbeat;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.Settings;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents table: who connected, when each was last heard from, what settings it has.
 * Heartbeats are kept in memory and written every few seconds, not one UPDATE each.
 */
@Singleton
public class AgentRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(AgentRegistry.class);
    public static final int HEARTBEAT_INTERVAL_SECONDS = 5;

    /** This collector, as recorded in agents.collector_id. */
    public static final String COLLECTOR_ID = ManagementFactory.getRuntimeMXBean().getName();

    private record Beat(String sessionId, Instant at, long droppedSpans, long droppedPoints) {
    }

    private final DataSource dataSource;
    private final Map<String, Beat> pendingBeats = new ConcurrentHashMap<>();
    private final ScheduledExecutorService flusher = DaemonThreads.scheduler("peephole-agent-heartbeats");

    public AgentRegistry(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    @PostConstruct
    void start() {
        flusher.scheduleWithFixedDelay(this::flushHeartbeats, HEARTBEAT_INTERVAL_SECONDS,
                HEARTBEAT_INTERVAL_SECONDS, TimeUnit.SECONDS);
    }

    /** Records a connecting agent and returns the settings it should run with. */
    public Settings connected(Hello hello) throws SQLException {
        Instant now = Instant.now();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "INSERT INTO agents (agent_id, session_id, service_name, service_version, host_name, pid, "
                             + "jvm_version, jvm_vendor, agent_version, process_started_at, first_seen, last_seen, "
                             + "connected, collector_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, true, ?) "
                             + "ON CONFLICT (agent_id) DO UPDATE SET session_id = excluded.session_id, "
                             + "service_name = excluded.service_name, service_version = excluded.service_version, "
                             + "host_name = excluded.host_name, pid = excluded.pid, jvm_version = excluded.jvm_version, "
                             + "jvm_vendor = excluded.jvm_vendor, agent_version = excluded.agent_version, "
                             + "process_started_at = excluded.process_started_at, last_seen = excluded.last_seen, "
                             + "connected = true, collector_id = excluded.collector_id "
                             + "RETURNING sampling_ratio, settings_version, enabled_rules, disabled_rules")) {
            ps.setString(1, hello.getAgentId());
            ps.setString(2, hello.getSessionId());
            ps.setString(3, hello.getServiceName());
            ps.setString(4, hello.getServiceVersion());
            ps.setString(5, hello.getHostName());
            ps.setLong(6, hello.getPid());
            ps.setString(7, hello.getJvmVersion());
            ps.setString(8, hello.getJvmVendor());
            ps.setString(9, hello.getAgentVersion());
            long startNanos = hello.getProcessStartTimeUnixNano();
            ps.setTimestamp(10, startNanos == 0 ? null
                    : Timestamp.from(Instant.ofEpochSecond(0, startNanos)));
            ps.setTimestamp(11, Timestamp.from(now));
            ps.setTimestamp(12, Timestamp.from(now));
            ps.setString(13, COLLECTOR_ID);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return settings(rs.getDouble(1), rs.getLong(2), rs.getArray(3), rs.getArray(4));
            }
        }
    }

    /** An agent as /api/v1/agents shows it. */
    @io.micronaut.serde.annotation.Serdeable
    public record AgentView(String agentId, String serviceName, String serviceVersion, String hostName, long pid,
                            String jvmVersion, String jvmVendor, String agentVersion,
                            @io.micronaut.core.annotation.Nullable Instant processStartedAt, Instant firstSeen,
                            Instant lastSeen, String state, @io.micronaut.core.annotation.Nullable String collectorId,
                            long droppedSpans, long droppedPoints, double samplingRatio) {
    }

    /**
     * Agents seen within {@code withinSeconds}. {@code state}: "connected" (stream open and a
     * heartbeat within three intervals), "stale" (stream recorded open but silent, e.g. its
     * collector died) or "disconnected".
     */
    public java.util.List<AgentView> list(long withinSeconds) throws SQLException {
        flushHeartbeats();
        java.util.List<AgentView> out = new java.util.ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT agent_id, service_name, service_version, host_name, pid, jvm_version, jvm_vendor, "
                             + "agent_version, process_started_at, first_seen, last_seen, connected, collector_id, "
                             + "dropped_spans, dropped_points, sampling_ratio, "
                             + "last_seen > now() - make_interval(secs => ?) AS fresh FROM agents "
                             + "WHERE last_seen > now() - make_interval(secs => ?) ORDER BY service_name, agent_id")) {
            ps.setLong(1, 3L * HEARTBEAT_INTERVAL_SECONDS);
            ps.setLong(2, withinSeconds);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Timestamp started = rs.getTimestamp(9);
                    String state = !rs.getBoolean(12) ? "disconnected" : rs.getBoolean(17) ? "connected" : "stale";
                    out.add(new AgentView(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            rs.getLong(5), rs.getString(6), rs.getString(7), rs.getString(8),
                            started == null ? null : started.toInstant(), rs.getTimestamp(10).toInstant(),
                            rs.getTimestamp(11).toInstant(), state, rs.getString(13), rs.getLong(14), rs.getLong(15),
                            rs.getDouble(16)));
                }
            }
        }
        return out;
    }

    private static Settings settings(double ratio, long version, java.sql.Array enabled, java.sql.Array disabled)
            throws SQLException {
        return Settings.newBuilder()
                .setSamplingRatio(ratio)
                .setVersion(version)
                .addAllEnabledRules(java.util.Arrays.asList((String[]) enabled.getArray()))
                .addAllDisabledRules(java.util.Arrays.asList((String[]) disabled.getArray()))
                .setHeartbeatIntervalSeconds(HEARTBEAT_INTERVAL_SECONDS)
                .build();
    }

    /**
     * Changes an agent's settings; returns the new settings, or empty when no such agent.
     * The version goes up by one, which is how every collector notices the change.
     */
    public java.util.Optional<Settings> changeSettings(String agentId, double samplingRatio,
                                                       java.util.List<String> enabledRules,
                                                       java.util.List<String> disabledRules) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE agents SET sampling_ratio = ?, enabled_rules = COALESCE(?, enabled_rules), "
                             + "disabled_rules = COALESCE(?, disabled_rules), "
                             + "settings_version = settings_version + 1 WHERE agent_id = ? "
                             + "RETURNING sampling_ratio, settings_version, enabled_rules, disabled_rules")) {
            ps.setDouble(1, samplingRatio);
            // a rule list left out (null) stays as it is
            ps.setArray(2, enabledRules == null ? null : c.createArrayOf("text", enabledRules.toArray(new String[0])));
            ps.setArray(3, disabledRules == null ? null : c.createArrayOf("text", disabledRules.toArray(new String[0])));
            ps.setString(4, agentId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(settings(rs.getDouble(1), rs.getLong(2), rs.getArray(3), rs.getArray(4)));
            }
        }
    }

    /** Current settings of the given agents, by agent id. */
    public Map<String, Settings> settingsOf(java.util.Collection<String> agentIds) throws SQLException {
        Map<String, Settings> out = new java.util.HashMap<>();
        if (agentIds.isEmpty()) {
            return out;
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "SELECT agent_id, sampling_ratio, settings_version, enabled_rules, disabled_rules FROM agents "
                             + "WHERE agent_id = ANY (?)")) {
            ps.setArray(1, c.createArrayOf("text", agentIds.toArray(new String[0])));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), settings(rs.getDouble(2), rs.getLong(3), rs.getArray(4), rs.getArray(5)));
                }
            }
        }
        return out;
    }

    public void heartbeat(String agentId, String sessionId, Heartbeat beat) {
        pendingBeats.put(agentId, new Beat(sessionId, Instant.now(), beat.getDroppedSpans(), beat.getDroppedPoints()));
    }

    /** Marks the agent disconnected, unless it has already reconnected with a new session. */
    public void disconnected(String agentId, String sessionId) {
        flushHeartbeats();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE agents SET connected = false, last_seen = now() WHERE agent_id = ? AND session_id = ?")) {
            ps.setString(1, agentId);
            ps.setString(2, sessionId);
            ps.executeUpdate();
        } catch (SQLException e) {
            LOG.warn("Could not record that agent {} disconnected: {}", agentId, e.getMessage());
        }
    }

    synchronized void flushHeartbeats() {
        if (pendingBeats.isEmpty()) {
            return;
        }
        Map<String, Beat> beats = Map.copyOf(pendingBeats);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE agents SET last_seen = ?, dropped_spans = ?, dropped_points = ? "
                             + "WHERE agent_id = ? AND session_id = ?")) {
            for (Map.Entry<String, Beat> e : beats.entrySet()) {
                ps.setTimestamp(1, Timestamp.from(e.getValue().at()));
                ps.setLong(2, e.getValue().droppedSpans());
                ps.setLong(3, e.getValue().droppedPoints());
                ps.setString(4, e.getKey());
                ps.setString(5, e.getValue().sessionId());
                ps.addBatch();
            }
            ps.executeBatch();
            beats.forEach((k, v) -> pendingBeats.remove(k, v));
        } catch (SQLException e) {
            LOG.debug("Heartbeats not written yet: {}", e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        flusher.shutdownNow();
        flushHeartbeats();
    }
}
