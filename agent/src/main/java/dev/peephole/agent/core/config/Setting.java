package dev.peephole.agent.core.config;

/**
 * Every agent setting, its default and meaning. A key {@code a.b} is {@code a.b=...} in the agent
 * arguments, {@code -Dpeephole.agent.a.b} as a system property, {@code PEEPHOLE_AGENT_A_B} in the
 * environment and {@code a: {b: ...}} (or {@code a.b: ...}) in the YAML config file.
 * Precedence: agent arguments, system properties, environment, config file, defaults.
 */
public enum Setting {
    COLLECTOR("collector", "localhost:9317", "HOST:PORT of the collector's agent protocol (gRPC)"),
    TOKEN("token", "", "the collector's agent token, sent as `authorization: Bearer <token>`"),
    TOKEN_FILE("token.file", "", "a file holding the token (e.g. the collector's DATA_DIR/agent-token); used when `token` is unset"),
    TLS("tls", "false", "true: connect with TLS and verify the collector's certificate (system trust store, or `ca`)"),
    CA("ca", "", "PEM file of the CA (or the certificate) that signed the collector's certificate; setting it turns `tls` on"),
    SERVICE("service", "", "service name; default: the main jar's or main class's name"),
    SERVICE_VERSION("service.version", "", "service version, sent in Hello"),
    CONFIG("config", "", "a YAML config file: any of these settings, plus `rules:`"),
    AGENT_ID("agent.id", "", "stable id of this instance (the `instance` label); default: SERVICE@HOST"),
    ENABLED("enabled", "true", "false: the agent does nothing at all"),
    RULES("rules", "", "extra rule files (comma- or path-separator-separated), added to the config file's `rules:`"),
    RULES_DEFAULT("rules.default", "true", "weave the built-in doorbell profile (rules named doorbell.*)"),
    RULES_WITH_SPAN("rules.withspan", "true", "trace methods annotated with OpenTelemetry's @WithSpan (by annotation name)"),
    INSTRUMENT_HTTP("instrument.http", "true", "server spans for com.sun.net.httpserver.HttpHandler#handle"),
    INSTRUMENT_EXECUTORS("instrument.executors", "true", "carry the trace context into tasks given to ThreadPoolExecutor"),
    INSTRUMENT_QUEUES("instrument.queues", "true", "carry the trace context through ArrayBlockingQueue, LinkedBlockingQueue, LinkedBlockingDeque"),
    SAMPLING_RATIO("sampling.ratio", "1.0", "ratio of traces kept until the collector sends another (span metrics count every span)"),
    QUEUE_MAX_SPANS("queue.max.spans", "10000", "spans buffered (queued and unacknowledged); past it the oldest are dropped and counted"),
    QUEUE_MAX_POINTS("queue.max.points", "50000", "metric points buffered; past it the oldest are dropped and counted"),
    QUEUE_MAX_BYTES("queue.max.bytes", "33554432", "bytes buffered in unacknowledged batches (32 MiB); past it the oldest batches are dropped"),
    BATCH_MAX_SPANS("batch.max.spans", "512", "spans per batch"),
    BATCH_MAX_POINTS("batch.max.points", "2000", "metric points per batch"),
    BATCH_INTERVAL("batch.interval", "1s", "a batch is sent at least this often when there is data"),
    MAX_IN_FLIGHT("batch.max.inflight", "32", "batches sent and not yet acknowledged before the agent waits"),
    HEARTBEAT_INTERVAL("heartbeat.interval", "5s", "heartbeat period until the collector's Settings say otherwise"),
    RECONNECT_INITIAL("reconnect.initial", "500ms", "first reconnect delay; doubled after each failure, with jitter"),
    RECONNECT_MAX("reconnect.max", "30s", "longest reconnect delay"),
    METRICS_INTERVAL("metrics.interval", "10s", "how often host, JVM, span and agent metrics are taken"),
    METRICS_HOST("metrics.host", "true", "host metrics from OSHI (CPU, memory, swap, file systems, disks, network, temperature, process)"),
    METRICS_JVM("metrics.jvm", "true", "JVM metrics (memory by pool, GC, threads, classes, CPU)"),
    SPAN_METRICS("metrics.spans", "true", "traces_span_metrics_calls_total and traces_span_metrics_duration_seconds"),
    SPAN_METRICS_BUCKETS("metrics.spans.buckets",
            "0.0001,0.00025,0.0005,0.001,0.0025,0.005,0.01,0.025,0.05,0.1,0.25,0.5,1,2.5,5,10",
            "upper bounds in seconds of the span duration histogram"),
    SHUTDOWN_FLUSH("shutdown.flush", "2s", "at JVM exit, how long the agent may spend sending what it holds"),
    LOG_LEVEL("log.level", "info", "the agent's own log on stderr: debug, info, warn, error, off");

    private final String key;
    private final String defaultValue;
    private final String description;

    Setting(String key, String defaultValue, String description) {
        this.key = key;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String key() {
        return key;
    }

    public String defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    public String systemProperty() {
        return "peephole.agent." + key;
    }

    public String envVariable() {
        return "PEEPHOLE_AGENT_" + key.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }

    public static Setting byKey(String key) {
        for (Setting s : values()) {
            if (s.key.equals(key)) {
                return s;
            }
        }
        return null;
    }
}
