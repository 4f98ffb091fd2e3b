package dev.peephole.collector.agents;

import dev.peephole.collector.alerting.AlertingLeader;
import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.util.DaemonThreads;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes Prometheus' {@code up} for every agent seen in the last day: 1 while its stream is open
 * and its heartbeats arrive, 0 otherwise, labelled {@code job="peephole-agent"}, {@code instance}
 * (the agent id), {@code service_name} and {@code host_name}. The default AgentDown rule pages on
 * {@code up == 0}. Only the alerting leader writes it, so several collectors give one series.
 */
@Context
public class AgentUpWriter {
    private static final Logger LOG = LoggerFactory.getLogger(AgentUpWriter.class);
    public static final String JOB = "peephole-agent";
    private static final long SEEN_WITHIN_SECONDS = 24 * 3600;

    private final AgentRegistry registry;
    private final LocalSeriesWriter writer;
    private final AlertingLeader leader;
    private final SchemaMigrator schema;
    private final Duration interval;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-agent-up");

    public AgentUpWriter(AgentRegistry registry, LocalSeriesWriter writer, AlertingLeader leader, SchemaMigrator schema,
                         @Value("${peephole.agent.up.interval:15s}") Duration interval) {
        this.registry = registry;
        this.writer = writer;
        this.leader = leader;
        this.schema = schema;
        this.interval = interval;
    }

    @PostConstruct
    void start() {
        if (!interval.isZero()) {
            scheduler.scheduleWithFixedDelay(this::writeQuietly, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    private void writeQuietly() {
        try {
            if (schema.isMigrated() && leader.isLeader()) {
                writeOnce(System.currentTimeMillis());
            }
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Writing agents' up series failed: {}", e.toString());
        }
    }

    /** Writes one {@code up} sample per agent at {@code tMs}; returns how many. */
    public int writeOnce(long tMs) throws SQLException {
        List<LocalSample> samples = new ArrayList<>();
        for (AgentRegistry.AgentView a : registry.list(SEEN_WITHIN_SECONDS)) {
            samples.add(new LocalSample("up", Map.of("job", JOB, "instance", a.agentId(),
                    "service_name", a.serviceName(), "host_name", a.hostName()), tMs,
                    "connected".equals(a.state()) ? 1 : 0));
        }
        writer.write(samples, "gauge", "1 while the agent is connected and sends heartbeats, else 0");
        return samples.size();
    }
}
