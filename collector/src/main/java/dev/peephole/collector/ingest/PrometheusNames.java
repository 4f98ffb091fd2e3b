package dev.peephole.collector.ingest;

import java.util.Map;

/**
 * OpenTelemetry metric and attribute names in their Prometheus form, as the
 * OpenTelemetry-to-Prometheus compatibility rules have them:
 * {@code jvm.memory.used} (unit {@code By}) is {@code jvm_memory_used_bytes},
 * {@code system.cpu.utilization} (unit {@code 1}, a gauge) is {@code system_cpu_utilization_ratio},
 * counters end in {@code _total}.
 */
public final class PrometheusNames {

    /** UCUM units and the word Prometheus names use for them. */
    private static final Map<String, String> UNIT_WORDS = Map.ofEntries(
            Map.entry("d", "days"), Map.entry("h", "hours"), Map.entry("min", "minutes"),
            Map.entry("s", "seconds"), Map.entry("ms", "milliseconds"), Map.entry("us", "microseconds"),
            Map.entry("ns", "nanoseconds"),
            Map.entry("By", "bytes"), Map.entry("KiBy", "kibibytes"), Map.entry("MiBy", "mebibytes"),
            Map.entry("GiBy", "gibibytes"), Map.entry("TiBy", "tibibytes"), Map.entry("KBy", "kilobytes"),
            Map.entry("MBy", "megabytes"), Map.entry("GBy", "gigabytes"), Map.entry("TBy", "terabytes"),
            Map.entry("m", "meters"), Map.entry("V", "volts"), Map.entry("A", "amperes"), Map.entry("J", "joules"),
            Map.entry("W", "watts"), Map.entry("g", "grams"), Map.entry("Cel", "celsius"), Map.entry("Hz", "hertz"),
            Map.entry("%", "percent"));

    /** The denominators of "per" units ({@code By/s} is {@code bytes_per_second}). */
    private static final Map<String, String> PER_UNIT_WORDS = Map.of(
            "s", "second", "m", "minute", "h", "hour", "d", "day", "w", "week", "mo", "month", "y", "year");

    /** UCUM annotations such as {thread}: no unit. */
    private static final java.util.regex.Pattern ANNOTATION = java.util.regex.Pattern.compile("\\{[^}]*}");

    private PrometheusNames() {
    }

    /** The kinds of metric whose names get different suffixes. */
    public enum Kind { GAUGE, COUNTER, HISTOGRAM }

    /**
     * The Prometheus base name of an OpenTelemetry metric. A histogram's series are this
     * name plus {@code _bucket}, {@code _sum} and {@code _count}.
     */
    public static String metricName(String otelName, String unit, Kind kind) {
        String name = sanitize(otelName, true);
        String unitSuffix = unitSuffix(unit, kind);
        if (!unitSuffix.isEmpty() && !containsWord(name, unitSuffix)) {
            name = name + "_" + unitSuffix;
        }
        if (kind == Kind.COUNTER && !name.endsWith("_total")) {
            name = name + "_total";
        }
        return name;
    }

    /** A label name: every character outside {@code [a-zA-Z0-9_]} becomes {@code _}. */
    public static String labelName(String otelKey) {
        return sanitize(otelKey, false);
    }

    static String unitSuffix(String unit, Kind kind) {
        if (unit == null || unit.isEmpty()) {
            return "";
        }
        // Annotations in braces ({thread}, {request}) carry no unit.
        String u = unit.indexOf('{') < 0 ? unit.trim() : ANNOTATION.matcher(unit).replaceAll("").trim();
        if (u.equals("1")) {
            return kind == Kind.GAUGE ? "ratio" : "";
        }
        if (u.isEmpty()) {
            return "";
        }
        int slash = u.indexOf('/');
        if (slash >= 0) {
            String main = u.substring(0, slash);
            String per = u.substring(slash + 1);
            String mainWord = main.isEmpty() ? "" : UNIT_WORDS.getOrDefault(main, sanitize(main, false));
            String perWord = PER_UNIT_WORDS.getOrDefault(per, sanitize(per, false));
            if (perWord.isEmpty()) {
                return mainWord;
            }
            return mainWord.isEmpty() ? "per_" + perWord : mainWord + "_per_" + perWord;
        }
        return UNIT_WORDS.getOrDefault(u, sanitize(u, false));
    }

    private static boolean containsWord(String name, String suffix) {
        return name.equals(suffix) || name.endsWith("_" + suffix) || name.contains("_" + suffix + "_");
    }

    private static String sanitize(String raw, boolean metric) {
        StringBuilder out = new StringBuilder(raw.length());
        boolean lastUnderscore = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '_' || (metric && c == ':');
            char mapped = ok ? c : '_';
            if (mapped == '_') {
                if (lastUnderscore) {
                    continue;
                }
                lastUnderscore = true;
            } else {
                lastUnderscore = false;
            }
            out.append(mapped);
        }
        String s = out.toString();
        while (s.endsWith("_") && s.length() > 1) {
            s = s.substring(0, s.length() - 1);
        }
        if (!s.isEmpty() && Character.isDigit(s.charAt(0))) {
            s = "_" + s;
        }
        return s;
    }
}
