package dev.peephole.collector.probes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.peephole.collector.promql.ast.Durations;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Probe files in the {@code PEEPHOLE_RULES} folder (or that one file). A YAML file whose
 * top-level key is {@code probes:} is a probe file; rule files (top-level {@code groups:})
 * and other files are left to the rule loader. Format:
 *
 * <pre>
 * probes:
 *   - name: doorbell-health          # [a-zA-Z0-9_.:-]+, unique; the probe label
 *     type: http                     # http or tcp
 *     url: http://localhost:8090/api/health
 *     expected_status: 200           # a code or a list of codes; default any 2xx
 *     timeout: 5s                    # default 5s, at most the interval
 *     headers: {Accept: application/json}
 *     interval: 15s                  # default 30s, at least 1s
 *     severity: critical             # optional: a failure makes /api/v1/status unhealthy
 *   - name: doorbell-port
 *     type: tcp
 *     address: localhost:8090
 * </pre>
 */
public final class ProbeFiles {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_.:-]+");
    private static final Set<String> HTTP_KEYS = Set.of("name", "type", "url", "expected_status", "timeout", "headers",
            "interval", "severity");
    private static final Set<String> TCP_KEYS = Set.of("name", "type", "address", "timeout", "interval", "severity");
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    /** A probe file that cannot be used; the message names the file and the probe. */
    public static class InvalidProbeFile extends Exception {
        public InvalidProbeFile(String message) {
            super(message);
        }
    }

    private ProbeFiles() {
    }

    /** The YAML files PEEPHOLE_RULES names: the file itself, or the *.yml / *.yaml files in the folder, sorted. */
    public static List<Path> candidates(Path rules) throws IOException {
        if (Files.isRegularFile(rules)) {
            return List.of(rules);
        }
        if (!Files.isDirectory(rules)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(rules)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> {
                        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                        return n.endsWith(".yml") || n.endsWith(".yaml");
                    })
                    .sorted().toList();
        }
    }

    /**
     * The probes of one file; empty when it is not a probe file (no top-level {@code probes}).
     */
    public static List<ProbeDefinition> read(Path file) throws IOException, InvalidProbeFile {
        JsonNode root;
        try {
            root = YAML.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            if (!Files.readString(file).contains("probes:")) {
                return List.of(); // not ours: the rule loader reports its own files' errors
            }
            throw new InvalidProbeFile(file + ": not valid YAML: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject() || !root.has("probes")) {
            return List.of();
        }
        return parse(root, file.toString());
    }

    /** Parses a probe file's tree; {@code source} names it in errors. */
    static List<ProbeDefinition> parse(JsonNode root, String source) throws InvalidProbeFile {
        JsonNode probes = root.get("probes");
        if (!probes.isArray()) {
            throw new InvalidProbeFile(source + ": probes must be a list");
        }
        List<ProbeDefinition> out = new ArrayList<>();
        Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < probes.size(); i++) {
            JsonNode p = probes.get(i);
            String where = source + ": probe " + (i + 1);
            if (!p.isObject()) {
                throw new InvalidProbeFile(where + ": must be a mapping");
            }
            String name = string(p, "name", where, true);
            if (!NAME.matcher(name).matches()) {
                throw new InvalidProbeFile(where + ": name \"" + name + "\" may use only letters, digits and _ . : -");
            }
            where = source + ": probe \"" + name + "\"";
            if (!names.add(name)) {
                throw new InvalidProbeFile(where + ": the name is used twice");
            }
            if (name.equals(ProbeRunner.DATABASE_PROBE)) {
                throw new InvalidProbeFile(where + ": the name is the built-in database probe's");
            }
            String type = string(p, "type", where, true);
            Set<String> allowed = switch (type) {
                case "http" -> HTTP_KEYS;
                case "tcp" -> TCP_KEYS;
                default -> throw new InvalidProbeFile(where + ": type must be http or tcp, not \"" + type + "\"");
            };
            for (Iterator<String> it = p.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!allowed.contains(key)) {
                    throw new InvalidProbeFile(where + ": unknown field \"" + key + "\" for type " + type);
                }
            }
            Duration interval = duration(p, "interval", where, DEFAULT_INTERVAL);
            if (interval.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new InvalidProbeFile(where + ": interval must be at least 1s");
            }
            Duration timeout = duration(p, "timeout", where, DEFAULT_TIMEOUT.compareTo(interval) > 0 ? interval
                    : DEFAULT_TIMEOUT);
            if (timeout.isZero() || timeout.compareTo(interval) > 0) {
                throw new InvalidProbeFile(where + ": timeout must be above 0 and at most the interval");
            }
            String severity = p.has("severity") ? string(p, "severity", where, true) : "";
            boolean critical = severity.equals("critical");
            String target;
            List<Integer> expected = List.of();
            Map<String, String> headers = Map.of();
            if (type.equals("http")) {
                target = string(p, "url", where, true);
                try {
                    URI uri = new URI(target);
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                        throw new InvalidProbeFile(where + ": url must be an absolute http or https URL");
                    }
                    if (uri.getRawUserInfo() != null) {
                        // The URL is the instance label and shows in /api/v1/status: no credentials in it.
                        throw new InvalidProbeFile(where + ": url must not hold credentials; send them in headers");
                    }
                } catch (URISyntaxException e) {
                    throw new InvalidProbeFile(where + ": url is not a valid URL: " + e.getMessage());
                }
                expected = statuses(p.get("expected_status"), where);
                headers = headers(p.get("headers"), where);
            } else {
                target = string(p, "address", where, true);
                hostPort(target, where);
            }
            out.add(new ProbeDefinition(name, type, target, expected, timeout, headers, interval, critical, source));
        }
        return out;
    }

    /** Host and port of a tcp probe's {@code host:port} (IPv6 as {@code [::1]:80}). */
    static Map.Entry<String, Integer> hostPort(String address, String where) throws InvalidProbeFile {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new InvalidProbeFile(where + ": address must be host:port, not \"" + address + "\"");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(address.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return Map.entry(host, port);
        } catch (NumberFormatException e) {
            throw new InvalidProbeFile(where + ": address port must be 1 to 65535, in \"" + address + "\"");
        }
    }

    private static String string(JsonNode p, String key, String where, boolean required) throws InvalidProbeFile {
        JsonNode v = p.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new InvalidProbeFile(where + ": " + key + " is required");
            }
            return null;
        }
        if (!v.isValueNode() || v.asText().isBlank()) {
            throw new InvalidProbeFile(where + ": " + key + " must be a non-empty string");
        }
        return v.asText();
    }

    private static Duration duration(JsonNode p, String key, String where, Duration dflt) throws InvalidProbeFile {
        JsonNode v = p.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        try {
            return Duration.ofMillis(Durations.parse(v.asText()));
        } catch (IllegalArgumentException e) {
            throw new InvalidProbeFile(where + ": " + key + ": " + e.getMessage());
        }
    }

    private static List<Integer> statuses(JsonNode v, String where) throws InvalidProbeFile {
        if (v == null || v.isNull()) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode n : v.isArray() ? v : List.of(v)) {
            if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 100 || n.asInt() > 599) {
                throw new InvalidProbeFile(where + ": expected_status must be HTTP status codes (100 to 599)");
            }
            out.add(n.asInt());
        }
        return List.copyOf(out);
    }

    private static Map<String, String> headers(JsonNode v, String where) throws InvalidProbeFile {
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            throw new InvalidProbeFile(where + ": headers must be a mapping of name: value");
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isValueNode()) {
                throw new InvalidProbeFile(where + ": header " + e.getKey() + " must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        }
        return Map.copyOf(out);
    }
}
