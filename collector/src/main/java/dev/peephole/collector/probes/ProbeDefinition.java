package dev.peephole.collector.probes;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One synthetic check from a probe file (see {@link ProbeFiles} for the format).
 *
 * @param type           http, tcp, or database (the built-in probe of the collector's own database)
 * @param target         the URL (http), host:port (tcp) or the database's location: the {@code instance} label
 * @param expectedStatus the HTTP status codes that count as success; empty means any 2xx
 * @param critical       {@code severity: critical}: a failure makes /api/v1/status unhealthy, not only degraded
 * @param source         the file it came from (empty for the built-in probe)
 */
public record ProbeDefinition(String name, String type, String target, List<Integer> expectedStatus,
                              Duration timeout, Map<String, String> headers, Duration interval, boolean critical,
                              String source) {

    public URI uri() {
        return URI.create(target);
    }

    /** Whether an HTTP status code is a success for this probe. */
    public boolean statusOk(int code) {
        return expectedStatus.isEmpty() ? code >= 200 && code <= 299 : expectedStatus.contains(code);
    }
}
