package dev.peephole.collector.status;

import dev.peephole.collector.agents.AgentRegistry;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Agents: those seen within {@code PEEPHOLE_STATUS_AGENTS_EXPECTED_WITHIN} (1h) are
 * expected; one not heard from for three heartbeat intervals is down, which makes the
 * component degraded, naming the agents that are down.
 */
@Singleton
public class AgentsStatus implements StatusComponent {

    private static final int LISTED = 5;
    private final AgentRegistry agents;
    private final Duration expectedWithin;

    public AgentsStatus(AgentRegistry agents,
                        @Value("${peephole.status.agents.expected.within:1h}") Duration expectedWithin) {
        this.agents = agents;
        this.expectedWithin = expectedWithin;
    }

    @Override
    public String name() {
        return "agents";
    }

    @Override
    public ComponentStatus check() {
        List<AgentRegistry.AgentView> seen;
        try {
            seen = agents.list(Math.max(1, expectedWithin.toSeconds()));
        } catch (SQLException e) {
            return ComponentStatus.degraded("agents cannot be read: " + e.getMessage());
        }
        Instant downBefore = Instant.now().minusSeconds(3L * AgentRegistry.HEARTBEAT_INTERVAL_SECONDS);
        List<AgentRegistry.AgentView> down = seen.stream()
                .filter(a -> !a.state().equals("connected") && a.lastSeen().isBefore(downBefore)).toList();
        String counts = (seen.size() - down.size()) + " of " + seen.size() + " agents seen in the last "
                + expectedWithin.toMinutes() + " min are up";
        if (seen.isEmpty()) {
            return ComponentStatus.healthy("no agents seen in the last " + expectedWithin.toMinutes() + " min");
        }
        if (down.isEmpty()) {
            return ComponentStatus.healthy(counts);
        }
        String names = down.stream().limit(LISTED).map(a -> a.agentId() + " (" + a.serviceName() + ", last seen "
                + a.lastSeen() + ")").collect(Collectors.joining(", "));
        return ComponentStatus.degraded(counts + "; down (not seen for " + 3 * AgentRegistry.HEARTBEAT_INTERVAL_SECONDS
                + " s): " + names + (down.size() > LISTED ? " and " + (down.size() - LISTED) + " more" : ""));
    }
}
