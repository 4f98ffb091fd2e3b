package dev.peephole.collector.jaeger;

/** One stored span, as the Jaeger API needs it. Attributes and events are JSON text. */
record SpanRow(byte[] traceId, byte[] spanId, byte[] parentSpanId, String serviceName, String operation,
               int kind, long startMicros, long durationNanos, int statusCode, String statusMessage,
               String attributesJson, String eventsJson, String agentId, String hostName) {
}
