package dev.peephole.collector.grpc;

import dev.peephole.proto.v1.Settings;
import io.grpc.Status;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The agent streams open on this collector, by agent id, for pushing settings. */
@Singleton
public class AgentStreams {

    private final Map<String, AgentStream> open = new ConcurrentHashMap<>();

    public AgentStreams(io.micrometer.core.instrument.MeterRegistry meters) {
        io.micrometer.core.instrument.Gauge.builder("peephole.agents.connected", open, Map::size)
                .description("agent streams open on this collector").register(meters);
    }

    void register(String agentId, AgentStream stream) {
        AgentStream previous = open.put(agentId, stream);
        if (previous != null && previous != stream) {
            previous.finish(Status.ALREADY_EXISTS.withDescription("the same agent id connected again"));
        }
    }

    boolean unregister(String agentId, AgentStream stream) {
        return open.remove(agentId, stream);
    }

    /** Sends settings to the agent if it is connected here; returns whether it was. */
    public boolean push(String agentId, Settings settings) {
        AgentStream s = open.get(agentId);
        if (s == null) {
            return false;
        }
        s.push(settings);
        return true;
    }

    /** Agent ids with a stream open here. */
    public java.util.Set<String> connectedIds() {
        return java.util.Set.copyOf(open.keySet());
    }

    public int connectedCount() {
        return open.size();
    }

    void closeAll(Status status) {
        for (AgentStream s : List.copyOf(open.values())) {
            s.finish(status);
        }
    }
}
