package dev.peephole.collector.ingest;

/** Who sent a batch, from the stream's Hello; these become the standard labels of every series. */
public record AgentIdentity(String agentId, String sessionId, String serviceName, String hostName) {
}
