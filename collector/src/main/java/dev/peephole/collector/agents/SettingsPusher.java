package dev.peephole.collector.agents;

import dev.peephole.collector.util.DaemonThreads;
import dev.peephole.collector.grpc.AgentStreams;
import dev.peephole.proto.v1.Settings;
import io.micronaut.context.annotation.Context;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends changed settings to the agents connected here. A change made through any
 * collector raises the agent's settings version in the database; every collector looks
 * every 2 s and pushes newer versions down the streams it holds.
 */
@Context
public class SettingsPusher {

    private static final Logger LOG = LoggerFactory.getLogger(SettingsPusher.class);
    private final AgentRegistry registry;
    private final AgentStreams streams;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-settings-pusher");

    public SettingsPusher(AgentRegistry registry, AgentStreams streams) {
        this.registry = registry;
        this.streams = streams;
    }

    @PostConstruct
    void start() {
        scheduler.scheduleWithFixedDelay(this::pushChanged, 2, 2, TimeUnit.SECONDS);
    }

    void pushChanged() {
        try {
            Map<String, Settings> current = registry.settingsOf(streams.connectedIds());
            current.forEach(streams::push);
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Settings not checked: {}", e.getMessage());
        }
    }

    /** Pushes at once to an agent connected here (the poll catches the others). */
    public void pushNow(String agentId, Settings settings) {
        streams.push(agentId, settings);
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }
}
