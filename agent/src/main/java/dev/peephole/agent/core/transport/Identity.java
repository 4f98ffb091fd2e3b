package dev.peephole.agent.core.transport;

import dev.peephole.proto.v1.AnyValue;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.KeyValue;
import java.util.Map;
import java.util.UUID;

/** Who this agent is, as the Hello message says it. */
public final class Identity {
    public final String agentId;
    public final String sessionId = UUID.randomUUID().toString();
    public final String serviceName;
    public final String serviceVersion;
    public final String hostName;
    public final long pid;
    public final String agentVersion;
    public final long processStartNanos;
    public final Map<String, String> resource;

    public Identity(String agentId, String serviceName, String serviceVersion, String hostName, long pid,
                    String agentVersion, long processStartNanos, Map<String, String> resource) {
        this.agentId = agentId;
        this.serviceName = serviceName;
        this.serviceVersion = serviceVersion;
        this.hostName = hostName;
        this.pid = pid;
        this.agentVersion = agentVersion;
        this.processStartNanos = processStartNanos;
        this.resource = resource;
    }

    Hello hello() {
        Hello.Builder b = Hello.newBuilder()
                .setAgentId(agentId)
                .setSessionId(sessionId)
                .setServiceName(serviceName)
                .setServiceVersion(serviceVersion)
                .setHostName(hostName)
                .setPid(pid)
                .setJvmVersion(System.getProperty("java.runtime.version", System.getProperty("java.version", "")))
                .setJvmVendor(System.getProperty("java.vendor", ""))
                .setAgentVersion(agentVersion)
                .setProcessStartTimeUnixNano(processStartNanos);
        for (Map.Entry<String, String> e : resource.entrySet()) {
            b.addResourceAttributes(KeyValue.newBuilder().setKey(e.getKey())
                    .setValue(AnyValue.newBuilder().setStringValue(e.getValue())));
        }
        return b.build();
    }
}
