package dev.peephole.collector.prometheus;

import dev.peephole.collector.http.TimeParams;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters of a Prometheus API request, from the URL and, for POST, from an
 * {@code application/x-www-form-urlencoded} body, as Prometheus reads them.
 */
final class PromParams {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");
    private final Map<String, List<String>> values;

    private PromParams(Map<String, List<String>> values) {
        this.values = values;
    }

    static PromParams of(HttpRequest<?> request, String formBody) {
        Map<String, List<String>> all = new java.util.LinkedHashMap<>();
        request.getParameters().forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        if (request.getMethod() == HttpMethod.POST && formBody != null && !formBody.isEmpty()) {
            new QueryStringDecoder(formBody, false).parameters()
                    .forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        }
        return new PromParams(all);
    }

    String get(String name) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    String required(String name) {
        String v = get(name);
        if (v == null || v.isEmpty()) {
            throw new TimeParams.BadParameter("invalid parameter \"" + name + "\": missing");
        }
        return v;
    }

    long timeMs(String name, long defaultMs) {
        String v = get(name);
        return v == null || v.isEmpty() ? defaultMs : TimeParams.parseTime(name, v).toEpochMilli();
    }

    /** A duration as Prometheus takes it: float seconds ("15", "0.5") or "1m", "2h30m". */
    long durationMs(String name) {
        String v = required(name);
        try {
            BigDecimal seconds = new BigDecimal(v);
            long ms = seconds.movePointRight(3).longValue();
            if (ms <= 0) {
                throw new TimeParams.BadParameter("invalid parameter \"" + name + "\": zero or negative query resolution step widths are not accepted. Try a positive integer");
            }
            return ms;
        } catch (NumberFormatException notSeconds) {
            Matcher m = DURATION.matcher(v);
            long ms = 0;
            int at = 0;
            while (m.find() && m.start() == at) {
                long n = Long.parseLong(m.group(1));
                ms += n * switch (m.group(2)) {
                    case "ms" -> 1L;
                    case "s" -> 1_000L;
                    case "m" -> 60_000L;
                    case "h" -> 3_600_000L;
                    case "d" -> 86_400_000L;
                    case "w" -> 604_800_000L;
                    default -> 31_536_000_000L;
                };
                at = m.end();
            }
            if (at == 0 || at != v.length() || ms <= 0) {
                throw new TimeParams.BadParameter("invalid parameter \"" + name + "\": cannot parse \"" + v
                        + "\" to a valid duration");
            }
            return ms;
        }
    }
}
