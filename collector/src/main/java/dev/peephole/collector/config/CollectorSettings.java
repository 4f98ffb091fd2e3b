package dev.peephole.collector.config;

import java.util.List;

/**
 * Every setting the collector reads, for {@code --help} (and later the redacted
 * configuration view). Each is an environment variable; Micronaut maps it to the
 * property of the same words ({@code PEEPHOLE_DATA_DIR} = {@code peephole.data.dir}).
 */
public final class CollectorSettings {

    /** One documented setting. {@code secret} values are never printed. */
    public record Setting(String env, String defaultValue, String meaning, boolean secret) {
        public String property() {
            // PEEPHOLE_DATA_DIR -> peephole.data.dir, one of the names Micronaut gives the variable
            return env.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
        }
    }

    public static final List<Setting> ALL = List.of(
            new Setting("PEEPHOLE_HTTP_PORT", "8080", "dashboard, HTTP API, /health, /ready, /metrics", false),
            new Setting("PEEPHOLE_GRPC_PORT", "9317", "the agent protocol (gRPC)", false),
            new Setting("PEEPHOLE_OTLP_GRPC_PORT", "4317", "OTLP/gRPC ingest of traces and metrics (agent token as bearer)", false),
            new Setting("PEEPHOLE_OTLP_HTTP_PORT", "4318", "OTLP/HTTP ingest, POST /v1/traces and /v1/metrics, protobuf or JSON (agent token as bearer)", false),
            new Setting("PEEPHOLE_OTLP_THREADS", "4", "threads of each OTLP listener (gRPC, HTTP)", false),
            new Setting("PEEPHOLE_DATA_DIR", "./peephole-data", "the embedded PostgreSQL and other local state", false),
            new Setting("PEEPHOLE_DB_URL", "unset", "JDBC URL of an external PostgreSQL or TimescaleDB; when set, no embedded database starts", false),
            new Setting("PEEPHOLE_DB_USER", "unset", "user for PEEPHOLE_DB_URL", false),
            new Setting("PEEPHOLE_DB_PASSWORD", "unset", "password for PEEPHOLE_DB_URL", true),
            new Setting("PEEPHOLE_DB_POOL_SIZE", "8", "maximum connections the collector opens to its database", false),
            new Setting("PEEPHOLE_ADMIN_PASSWORD", "generated", "the admin user's password on first start; when generated it is printed once", true),
            new Setting("PEEPHOLE_AGENT_TOKEN", "generated", "the secret agents present; when generated it is written to DATA_DIR/agent-token", true),
            new Setting("PEEPHOLE_GRPC_THREADS", "8", "threads serving agent streams", false),
            new Setting("PEEPHOLE_INGEST_WRITERS", "2", "threads committing batches to the database", false),
            new Setting("PEEPHOLE_INGEST_QUEUE_BATCHES", "256", "batches waiting for commit before agents are held back", false),
            new Setting("PEEPHOLE_INGEST_MAX_TIME_SKEW", "24h", "points and spans further than this from now are refused and counted", false),
            new Setting("PEEPHOLE_INGEST_MAX_SERIES_PER_METRIC", "10000", "a metric name takes no new series past this count", false),
            new Setting("PEEPHOLE_QUERY_TIMEOUT", "2m", "PromQL evaluation time limit", false),
            new Setting("PEEPHOLE_QUERY_LOOKBACK_DELTA", "5m", "how far back an instant selector looks for a sample", false),
            new Setting("PEEPHOLE_QUERY_MAX_SAMPLES", "50000000", "samples one query may load", false),
            new Setting("PEEPHOLE_QUERY_ROLLUP_CACHE_MB", "64", "memory for settled rollup blocks kept for range queries (plain PostgreSQL; 0: off)", false),
            new Setting("PEEPHOLE_RETENTION_SPANS", "7d", "how long raw spans are kept", false),
            new Setting("PEEPHOLE_RETENTION_POINTS", "7d", "how long raw metric points are kept", false),
            new Setting("PEEPHOLE_ROLLUP_INTERVAL", "30s", "how often plain PostgreSQL's rollups are brought up to date (0s: never)", false),
            new Setting("PEEPHOLE_RETENTION_ROLLUPS", "90d", "how long 1-minute and 1-hour rollups are kept", false),
            new Setting("PEEPHOLE_RULES", "unset", "a file or folder of alert rule files (Prometheus rule-file YAML, re-read on change or SIGHUP); YAML files with a top-level probes: key are health probe files", false),
            new Setting("PEEPHOLE_DEFAULT_RULES", "true", "load the shipped doorbell and agent rules", false),
            new Setting("PEEPHOLE_EVALUATION_INTERVAL", "1m", "interval of rule groups that name none, and of rules saved through the API", false),
            new Setting("PEEPHOLE_ALERTING_ENABLED", "true", "evaluate alert and recording rules (on the one collector holding the alerting lock)", false),
            new Setting("PEEPHOLE_RULE_CONCURRENCY", "4", "rules of a group evaluated at the same time when none reads another's output (1: in order)", false),
            new Setting("PEEPHOLE_RULE_BATCH_READS", "true", "read the samples a rule group's evaluation needs in one query per time window instead of one per rule (false: per rule)", false),
            new Setting("PEEPHOLE_EXTERNAL_URL", "unset", "the dashboard's address as users reach it, for links in alerts", false),
            new Setting("PEEPHOLE_PROBES_RELOAD_INTERVAL", "5s", "how often probe files are checked for changes", false),
            new Setting("PEEPHOLE_PROBES_DATABASE_INTERVAL", "15s", "interval of the built-in database probe (0s: off)", false),
            new Setting("PEEPHOLE_PROBES_THREADS", "4", "threads running health probes", false),
            new Setting("PEEPHOLE_SECURITY_COUNTER_INTERVAL", "10s", "how often peephole_security_events_total is written (at most 15s; 0s: off)", false),
            new Setting("PEEPHOLE_RETENTION_SECURITY_EVENTS", "90d", "how long security events are kept", false),
            new Setting("PEEPHOLE_STATUS_AGENTS_EXPECTED_WITHIN", "1h", "agents seen within this are expected by /api/v1/status; one silent for 3 heartbeats is down", false),
            new Setting("PEEPHOLE_NOTIFY_CONFIG", "unset", "notification routing file in Alertmanager's configuration format, plus Peephole's escalations and alertmanagers", false),
            new Setting("PEEPHOLE_NOTIFY_RELOAD_INTERVAL", "5s", "how often the notification file's modification time is checked (changed: re-read)", false),
            new Setting("PEEPHOLE_NOTIFY_TIMEOUT", "10s", "time limit of one delivery attempt (HTTP request, SMTP session)", false),
            new Setting("PEEPHOLE_NOTIFY_RETRY_ATTEMPTS", "5", "delivery attempts of one notification before it is logged as failed", false),
            new Setting("PEEPHOLE_NOTIFY_RETRY_BACKOFF", "1s", "wait before the first retry; doubled after each, at most 1m", false),
            new Setting("PEEPHOLE_SESSION_TTL", "12h", "how long a dashboard login (session cookie) lasts", false),
            new Setting("PEEPHOLE_LOG_FORMAT", "auto", "json (one JSON object a line), text, or auto: text on a terminal, JSON otherwise", false),
            new Setting("PEEPHOLE_TLS_CERT", "unset", "PEM certificate chain every listener serves TLS with (with PEEPHOLE_TLS_KEY)", false),
            new Setting("PEEPHOLE_TLS_KEY", "unset", "PEM private key (unencrypted PKCS#8) of PEEPHOLE_TLS_CERT", false),
            new Setting("PEEPHOLE_TLS_GRPC_CERT", "unset", "certificate of the agent protocol listener only (with PEEPHOLE_TLS_GRPC_KEY); wins over PEEPHOLE_TLS_CERT", false),
            new Setting("PEEPHOLE_TLS_GRPC_KEY", "unset", "private key of PEEPHOLE_TLS_GRPC_CERT", false),
            new Setting("PEEPHOLE_TLS_HTTP_CERT", "unset", "certificate of the HTTP listener only (with PEEPHOLE_TLS_HTTP_KEY); HTTPS then replaces HTTP on PEEPHOLE_HTTP_PORT", false),
            new Setting("PEEPHOLE_TLS_HTTP_KEY", "unset", "private key of PEEPHOLE_TLS_HTTP_CERT", false),
            new Setting("PEEPHOLE_TLS_OTLP_CERT", "unset", "certificate of the OTLP gRPC and HTTP listeners only (with PEEPHOLE_TLS_OTLP_KEY); wins over PEEPHOLE_TLS_CERT", false),
            new Setting("PEEPHOLE_TLS_OTLP_KEY", "unset", "private key of PEEPHOLE_TLS_OTLP_CERT", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_ENDPOINT", "unset", "forward every stored span over OTLP to this URL (Jaeger, any OTLP receiver), e.g. http://jaeger:4317", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_PROTOCOL", "grpc", "grpc, or http/protobuf (an endpoint without a path gets /v1/traces)", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_HEADERS", "unset", "headers sent with every export, name=value,name2=value2 (secret: never logged or shown)", true),
            new Setting("PEEPHOLE_OTLP_EXPORT_CERTIFICATE", "the JVM's trust store", "PEM file of the CA certificates trusted for an https:// endpoint", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_CLIENT_CERTIFICATE", "unset", "PEM file of a client certificate for mutual TLS (with PEEPHOLE_OTLP_EXPORT_CLIENT_KEY)", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_CLIENT_KEY", "unset", "PEM file of the client certificate's PKCS#8 private key", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_COMPRESSION", "none", "none or gzip", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_TIMEOUT", "10s", "time limit of one export request", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_QUEUE_SIZE", "10000", "spans waiting for export; what does not fit is dropped and counted (peephole_otlp_export_spans_total{outcome=\"dropped\"})", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_BATCH_SIZE", "512", "spans sent in one export request at most", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_RETRY_ATTEMPTS", "5", "attempts of one export request (1 to 5) before its spans count as failed", false),
            new Setting("PEEPHOLE_OTLP_EXPORT_RETRY_BACKOFF", "1s", "wait before the first retry; then 1.5 times longer each time, at most 5s (or this)", false),
            new Setting("PEEPHOLE_BACKUP_SCHEDULE", "unset", "scheduled backups: a cron expression in UTC (minute hour day month weekday, or seconds first), e.g. '0 3 * * *'", false),
            new Setting("PEEPHOLE_BACKUP_DIR", "DATA_DIR/backups", "where scheduled backups are written (peephole-backup-<UTC time>.zip)", false),
            new Setting("PEEPHOLE_BACKUP_KEEP", "7", "scheduled backups kept; older ones are removed", false),
            new Setting("PEEPHOLE_REPORTS_KEEP", "200", "reports kept (scheduled and ad hoc); the oldest are deleted after each new one", false),
            new Setting("PEEPHOLE_REPORTS_CHECK_INTERVAL", "30s", "how often the alerting leader looks for due report schedules", false));

    private CollectorSettings() {
    }

    /** The setting of this environment variable name. */
    public static java.util.Optional<Setting> find(String env) {
        return ALL.stream().filter(s -> s.env().equals(env)).findFirst();
    }

    public static String helpText() {
        StringBuilder out = new StringBuilder();
        out.append("Peephole collector\n\n")
                .append("Usage: java -jar peephole-collector.jar [--help | --version]\n")
                .append("       java -jar peephole-collector.jar backup --out FILE\n")
                .append("       java -jar peephole-collector.jar restore --in FILE [--force]\n\n")
                .append("Settings (environment variables; the same keys work as Micronaut properties,\n")
                .append("e.g. -Dpeephole.data.dir=/var/lib/peephole):\n\n");
        int width = ALL.stream().mapToInt(s -> s.env().length()).max().orElse(0);
        for (Setting s : ALL) {
            out.append("  ").append(String.format("%-" + width + "s", s.env()))
                    .append("  ").append(s.meaning())
                    .append(" (default: ").append(s.defaultValue()).append(")\n");
        }
        return out.toString();
    }
}
