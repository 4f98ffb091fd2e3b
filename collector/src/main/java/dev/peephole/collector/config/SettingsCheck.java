package dev.peephole.collector.config;

import io.micronaut.core.convert.ConversionService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The start-up check of the settings: a wrong one stops the collector with one line naming
 * the setting and the reason. What a setting must be is read from {@link CollectorSettings}:
 * {@code *_PORT} is a port (0 to 65535), a default like {@code 30s} makes a duration (as
 * Micronaut reads it: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 12h}, {@code 7d}, ISO-8601
 * {@code PT1M}), {@code true} a boolean, a number a whole number; {@code PEEPHOLE_RULES} a
 * readable file or folder and {@code PEEPHOLE_NOTIFY_CONFIG} a readable file. Environment
 * variables with the {@code PEEPHOLE_} prefix that are no setting are refused, but for the
 * agent's own {@code PEEPHOLE_AGENT_*} ones (other than {@code PEEPHOLE_AGENT_TOKEN}).
 */
public final class SettingsCheck {

    private static final Pattern DURATION_DEFAULT = Pattern.compile("\\d+(ms|s|m|h|d)");
    private static final Pattern INTEGER = Pattern.compile("-?\\d+");

    private SettingsCheck() {
    }

    /** The first wrong setting of this environment and these system properties, as one line; empty when all are right. */
    public static Optional<String> check(Map<String, String> env, Properties systemProperties) {
        for (String name : new TreeMap<>(env).keySet()) {
            if (name.startsWith("PEEPHOLE_") && CollectorSettings.find(name).isEmpty()
                    && !name.startsWith("PEEPHOLE_AGENT_")) {
                return Optional.of(name + ": unknown setting (java -jar peephole-collector.jar --help lists them)");
            }
        }
        for (CollectorSettings.Setting s : CollectorSettings.ALL) {
            String fromProperty = systemProperties.getProperty(s.property());
            if (fromProperty != null) {
                Optional<String> wrong = checkValue(s, fromProperty);
                if (wrong.isPresent()) {
                    return Optional.of(s.env() + " (system property " + s.property() + ")" + wrong.get());
                }
            }
            String fromEnv = env.get(s.env());
            if (fromEnv != null) {
                Optional<String> wrong = checkValue(s, fromEnv);
                if (wrong.isPresent()) {
                    return Optional.of(s.env() + wrong.get());
                }
            }
        }
        return Optional.empty();
    }

    /** ": reason" when {@code value} is not right for {@code s}; values of secrets are never repeated. */
    static Optional<String> checkValue(CollectorSettings.Setting s, String raw) {
        String value = raw.trim();
        String shown = s.secret() ? "" : "=" + quote(raw);
        String kind = kind(s);
        switch (kind) {
            case "port" -> {
                if (!INTEGER.matcher(value).matches()) {
                    return Optional.of(shown + ": not a port number");
                }
                long port = Long.parseLong(value.length() > 10 ? "99999999999" : value);
                if (port < 0 || port > 65_535) {
                    return Optional.of(shown + ": port out of range (0 to 65535)");
                }
            }
            case "duration" -> {
                Optional<Duration> d = value.isEmpty() ? Optional.empty()
                        : ConversionService.SHARED.convert(value, Duration.class);
                if (d.isEmpty()) {
                    return Optional.of(shown + ": not a duration (e.g. 500ms, 30s, 5m, 12h, 7d)");
                }
                if (d.get().isNegative()) {
                    return Optional.of(shown + ": a duration may not be negative");
                }
            }
            case "boolean" -> {
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("true") && !v.equals("false")) {
                    return Optional.of(shown + ": must be true or false");
                }
            }
            case "integer" -> {
                if (!INTEGER.matcher(value).matches() || value.length() > 10
                        || Long.parseLong(value) > Integer.MAX_VALUE || Long.parseLong(value) < 0) {
                    return Optional.of(shown + ": not a whole number from 0 to " + Integer.MAX_VALUE);
                }
            }
            case "file-or-folder", "file" -> {
                if (value.isEmpty()) {
                    return Optional.empty();
                }
                Path p = Path.of(value);
                if (!Files.exists(p)) {
                    return Optional.of(shown + ": no such file or folder");
                }
                if (kind.equals("file") && !Files.isRegularFile(p)) {
                    return Optional.of(shown + ": not a file");
                }
                if (!Files.isReadable(p)) {
                    return Optional.of(shown + ": not readable");
                }
            }
            case "log-format" -> {
                String v = value.toLowerCase(Locale.ROOT);
                if (!v.equals("auto") && !v.equals("json") && !v.equals("text")) {
                    return Optional.of(shown + ": must be auto, json or text");
                }
            }
            default -> {
                // text: anything goes
            }
        }
        return Optional.empty();
    }

    /** What a setting's value must be: port, duration, boolean, integer, file, file-or-folder or text. */
    static String kind(CollectorSettings.Setting s) {
        if (s.env().equals("PEEPHOLE_RULES")) {
            return "file-or-folder";
        }
        if (s.env().equals("PEEPHOLE_LOG_FORMAT")) {
            return "log-format";
        }
        if (s.env().equals("PEEPHOLE_NOTIFY_CONFIG")) {
            return "file";
        }
        if (s.env().endsWith("_PORT")) {
            return "port";
        }
        String d = s.defaultValue();
        if (DURATION_DEFAULT.matcher(d).matches()) {
            return "duration";
        }
        if (d.equals("true") || d.equals("false")) {
            return "boolean";
        }
        if (INTEGER.matcher(d).matches()) {
            return "integer";
        }
        return "text";
    }

    private static String quote(String value) {
        String v = value.length() > 80 ? value.substring(0, 80) + "..." : value;
        return "\"" + v.replace("\n", "\\n") + "\"";
    }
}
