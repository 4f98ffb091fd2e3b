package dev.peephole.collector.export;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code PEEPHOLE_OTLP_EXPORT_*} settings, checked at start: a wrong one stops the
 * collector with a message naming the setting (never a header's value).
 */
@Singleton
public class OtlpExportSettings {

    public static final String GRPC = "grpc";
    public static final String HTTP_PROTOBUF = "http/protobuf";

    private final String endpoint;
    private final String protocol;
    private final Map<String, String> headers;
    private final byte[] trustedCertificates;
    private final byte[] clientCertificate;
    private final byte[] clientKey;
    private final String compression;
    private final Duration timeout;
    private final int queueSize;
    private final int batchSize;
    private final int retryAttempts;
    private final Duration retryBackoff;

    public OtlpExportSettings(@Value("${peephole.otlp.export.endpoint:}") String endpoint,
                              @Value("${peephole.otlp.export.protocol:grpc}") String protocol,
                              @Value("${peephole.otlp.export.headers:}") String headers,
                              @Value("${peephole.otlp.export.certificate:}") String certificate,
                              @Value("${peephole.otlp.export.client.certificate:}") String clientCertificate,
                              @Value("${peephole.otlp.export.client.key:}") String clientKey,
                              @Value("${peephole.otlp.export.compression:none}") String compression,
                              @Value("${peephole.otlp.export.timeout:10s}") Duration timeout,
                              @Value("${peephole.otlp.export.queue.size:10000}") int queueSize,
                              @Value("${peephole.otlp.export.batch.size:512}") int batchSize,
                              @Value("${peephole.otlp.export.retry.attempts:5}") int retryAttempts,
                              @Value("${peephole.otlp.export.retry.backoff:1s}") Duration retryBackoff) {
        this.endpoint = endpoint == null ? "" : endpoint.trim();
        this.protocol = protocol.trim().toLowerCase(Locale.ROOT);
        this.headers = parseHeaders(headers);
        this.compression = compression.trim().toLowerCase(Locale.ROOT);
        this.timeout = timeout;
        this.queueSize = queueSize;
        this.batchSize = batchSize;
        this.retryAttempts = retryAttempts;
        this.retryBackoff = retryBackoff;
        if (!enabled()) {
            this.trustedCertificates = null;
            this.clientCertificate = null;
            this.clientKey = null;
            return;
        }
        if (!this.protocol.equals(GRPC) && !this.protocol.equals(HTTP_PROTOBUF)) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_PROTOCOL must be grpc or http/protobuf, not '"
                    + protocol + "'");
        }
        URI uri = uri(this.endpoint);
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
                || uri.getHost() == null) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_ENDPOINT must be an http:// or https:// URL "
                    + "with a host, e.g. http://jaeger:4317");
        }
        if (!this.compression.equals("none") && !this.compression.equals("gzip")) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_COMPRESSION must be none or gzip");
        }
        if (queueSize < 1) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_QUEUE_SIZE must be at least 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_BATCH_SIZE must be at least 1");
        }
        if (retryAttempts < 1 || retryAttempts > 5) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_RETRY_ATTEMPTS must be 1 to 5");
        }
        if (timeout.isZero() || timeout.isNegative() || retryBackoff.isZero() || retryBackoff.isNegative()) {
            throw new IllegalArgumentException(
                    "PEEPHOLE_OTLP_EXPORT_TIMEOUT and PEEPHOLE_OTLP_EXPORT_RETRY_BACKOFF must be positive");
        }
        this.trustedCertificates = read("PEEPHOLE_OTLP_EXPORT_CERTIFICATE", certificate);
        this.clientCertificate = read("PEEPHOLE_OTLP_EXPORT_CLIENT_CERTIFICATE", clientCertificate);
        this.clientKey = read("PEEPHOLE_OTLP_EXPORT_CLIENT_KEY", clientKey);
        if ((this.clientCertificate == null) != (this.clientKey == null)) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_CLIENT_CERTIFICATE and "
                    + "PEEPHOLE_OTLP_EXPORT_CLIENT_KEY go together");
        }
    }

    private static URI uri(String endpoint) {
        try {
            return new URI(endpoint);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_ENDPOINT is not a URL: " + e.getReason());
        }
    }

    /**
     * {@code k=v,k2=v2} (as {@code OTEL_EXPORTER_OTLP_HEADERS}): entries split on commas, each
     * on its first {@code =}; keys and values trimmed, values taken as written. Errors name the
     * entry's position, never its text, since header values are secrets.
     */
    static Map<String, String> parseHeaders(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return out;
        }
        String[] entries = text.split(",");
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i];
            if (entry.isBlank()) {
                continue;
            }
            int eq = entry.indexOf('=');
            String key = eq < 0 ? "" : entry.substring(0, eq).trim();
            if (key.isEmpty() || !key.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
                throw new IllegalArgumentException("PEEPHOLE_OTLP_EXPORT_HEADERS: entry " + (i + 1)
                        + " is not name=value with a header name");
            }
            out.put(key, entry.substring(eq + 1).trim());
        }
        return out;
    }

    private static byte[] read(String setting, String file) {
        if (file == null || file.isBlank()) {
            return null;
        }
        try {
            return Files.readAllBytes(Path.of(file.trim()));
        } catch (IOException e) {
            throw new IllegalArgumentException(setting + ": cannot read " + file.trim() + " (" + e + ")");
        }
    }

    public boolean enabled() {
        return !endpoint.isEmpty();
    }

    public String endpoint() {
        return endpoint;
    }

    /**
     * The URL the exporter is given: for HTTP/protobuf an endpoint without a path gets
     * OTLP's {@code /v1/traces}, as {@code OTEL_EXPORTER_OTLP_ENDPOINT} does.
     */
    public String exporterEndpoint() {
        if (protocol.equals(HTTP_PROTOBUF)) {
            String path = uri(endpoint).getRawPath();
            if (path == null || path.isEmpty() || path.equals("/")) {
                return endpoint.replaceAll("/+$", "") + "/v1/traces";
            }
        }
        return endpoint;
    }

    /** The endpoint for logs: scheme, host and port only (no credentials, no query). */
    public String endpointForLogs() {
        URI u = uri(endpoint);
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort());
    }

    public String protocol() {
        return protocol;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public byte[] trustedCertificates() {
        return trustedCertificates;
    }

    public byte[] clientCertificate() {
        return clientCertificate;
    }

    public byte[] clientKey() {
        return clientKey;
    }

    public String compression() {
        return compression;
    }

    public Duration timeout() {
        return timeout;
    }

    public int queueSize() {
        return queueSize;
    }

    public int batchSize() {
        return batchSize;
    }

    public int retryAttempts() {
        return retryAttempts;
    }

    public Duration retryBackoff() {
        return retryBackoff;
    }
}
