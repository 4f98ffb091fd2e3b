package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * A report's figures as HTML (Thymeleaf; {@code th:text} escapes every string that came from an
 * app: person names, operations, label values) and as CSV (Commons CSV). Absent figures read
 * "no data" in HTML and are empty cells in CSV.
 */
public final class ReportRenderer {

    public static final String NO_DATA = "no data";
    /** The CSV's columns. */
    public static final String[] CSV_HEADER = {"section", "item", "measure", "current", "previous"};
    private static final TemplateEngine TEMPLATES = templates();
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);

    private ReportRenderer() {
    }

    private static TemplateEngine templates() {
        ClassLoaderTemplateResolver r = new ClassLoaderTemplateResolver(ReportRenderer.class.getClassLoader());
        r.setPrefix("reports/");
        r.setSuffix(".html");
        r.setTemplateMode(TemplateMode.HTML);
        r.setCharacterEncoding("UTF-8");
        r.setCacheable(true);
        TemplateEngine e = new TemplateEngine();
        e.setTemplateResolver(r);
        return e;
    }

    /**
     * The report as an HTML document; {@code chartSrc} gives each chart's image address (an API
     * path in the dashboard, {@code cid:} in an e-mail).
     */
    public static String html(String title, JsonNode f, ZoneId zone, Function<String, String> chartSrc, String link) {
        Context ctx = new Context(Locale.ROOT);
        ctx.setVariable("title", title);
        ctx.setVariable("zone", zone.getId());
        ctx.setVariable("start", time(f.path("start"), zone));
        ctx.setVariable("end", time(f.path("end"), zone));
        ctx.setVariable("link", link);
        List<Map<String, String>> summary = new ArrayList<>();
        summary.add(row("Frames processed", count(f.at("/frames/current")), count(f.at("/frames/previous"))));
        for (String k : ReportBuilder.KINDS) {
            summary.add(row("Recognitions: " + k, count(f.at("/recognitions/current/" + k)), count(f.at("/recognitions/previous/" + k))));
        }
        summary.add(row("Blacklisted visitors (events)", count(f.at("/visitors/blacklisted/total")), count(f.at("/visitors/blacklisted/previousTotal"))));
        summary.add(row("Unknown visitors (events)", count(f.at("/visitors/unknown/total")), count(f.at("/visitors/unknown/previousTotal"))));
        summary.add(row("Alerts fired", count(f.at("/alerts/fired")), count(f.at("/alerts/previousFired"))));
        ctx.setVariable("summary", summary);

        List<Map<String, String>> latency = new ArrayList<>();
        for (JsonNode l : f.path("latency")) {
            for (String q : new String[] {"p50", "p95", "p99"}) {
                latency.add(row(l.path("operation").asText() + " " + q, seconds(l.at("/current/" + q)), seconds(l.at("/previous/" + q))));
            }
        }
        ctx.setVariable("latency", latency);

        List<Map<String, String>> errors = new ArrayList<>();
        for (JsonNode e : f.path("errors")) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("service", e.path("service").asText(""));
            m.put("operation", e.path("operation").asText(""));
            m.put("calls", count(e.path("calls")));
            m.put("errors", count(e.path("errors")));
            m.put("rate", percent(e.path("errorRate")));
            m.put("previous", percent(e.path("previousErrorRate")));
            errors.add(m);
        }
        ctx.setVariable("errors", errors);

        List<Map<String, String>> hosts = new ArrayList<>();
        for (JsonNode h : f.path("hosts")) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("host", h.path("host").asText(""));
            m.put("cpu", percent(h.path("cpuMax")));
            m.put("memory", bytes(h.path("memoryUsedMaxBytes")) + (h.path("memoryUtilizationMax").isNumber()
                    ? " (" + percent(h.path("memoryUtilizationMax")) + ")" : ""));
            m.put("load", number(h.path("load1mMax")));
            m.put("disk", percent(h.path("diskUsedMax")));
            hosts.add(m);
        }
        ctx.setVariable("hosts", hosts);

        List<Map<String, String>> alerts = new ArrayList<>();
        for (JsonNode a : f.at("/alerts/list")) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("name", a.path("alertname").asText(""));
            m.put("severity", a.path("severity").asText(""));
            m.put("fired", time(a.path("firedAt"), zone));
            m.put("ack", a.path("timeToAcknowledgeSeconds").isNumber() ? duration(a.path("timeToAcknowledgeSeconds").asDouble())
                    + (a.path("acknowledgedBy").isTextual() ? " by " + a.path("acknowledgedBy").asText() : "") : "not acknowledged");
            m.put("resolve", a.path("timeToResolveSeconds").isNumber() ? duration(a.path("timeToResolveSeconds").asDouble()) : "not resolved");
            alerts.add(m);
        }
        ctx.setVariable("alerts", alerts);
        ctx.setVariable("alertsMore", f.at("/alerts/more").asLong());
        ctx.setVariable("medianAck", f.at("/alerts/medianTimeToAcknowledgeSeconds").isNumber()
                ? duration(f.at("/alerts/medianTimeToAcknowledgeSeconds").asDouble()) : NO_DATA);
        ctx.setVariable("medianResolve", f.at("/alerts/medianTimeToResolveSeconds").isNumber()
                ? duration(f.at("/alerts/medianTimeToResolveSeconds").asDouble()) : NO_DATA);

        List<Map<String, Object>> visitors = new ArrayList<>();
        for (String kind : new String[] {"blacklisted", "unknown"}) {
            JsonNode k = f.at("/visitors/" + kind);
            List<Map<String, String>> rows = new ArrayList<>();
            for (JsonNode v : k.path("list")) {
                Map<String, String> m = new LinkedHashMap<>();
                m.put("time", time(v.path("at"), zone));
                m.put("person", v.path("personName").isTextual() ? v.path("personName").asText()
                        + (v.path("personId").isTextual() ? " (" + v.path("personId").asText() + ")" : "") : "unknown person");
                m.put("confidence", v.path("confidence").isNumber() ? String.format(Locale.ROOT, "%.2f", v.path("confidence").asDouble()) : NO_DATA);
                m.put("where", v.path("service").asText("") + (v.path("host").asText("").isEmpty() ? "" : " on " + v.path("host").asText()));
                rows.add(m);
            }
            Map<String, Object> group = new LinkedHashMap<>();
            group.put("kind", kind.substring(0, 1).toUpperCase(Locale.ROOT) + kind.substring(1));
            group.put("total", k.path("total").asLong());
            group.put("rows", rows);
            group.put("more", k.path("more").asLong());
            visitors.add(group);
        }
        ctx.setVariable("visitors", visitors);

        List<Map<String, String>> uptime = new ArrayList<>();
        for (JsonNode a : f.at("/uptime/agents")) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("agent", a.path("agentId").asText(""));
            m.put("service", a.path("service").asText(""));
            m.put("host", a.path("host").asText(""));
            m.put("uptime", percent(a.path("ratio")));
            m.put("minutes", a.path("minutesWithData").asLong() + " of " + f.at("/uptime/periodMinutes").asLong() + " min");
            uptime.add(m);
        }
        ctx.setVariable("uptime", uptime);
        ctx.setVariable("uptimeDefinition", f.at("/uptime/definition").asText(""));

        List<Map<String, String>> charts = new ArrayList<>();
        for (JsonNode c : f.path("charts")) {
            charts.add(Map.of("src", chartSrc.apply(c.path("name").asText()), "title", c.path("title").asText()));
        }
        ctx.setVariable("charts", charts);
        ctx.setVariable("width", ReportCharts.WIDTH);
        ctx.setVariable("height", ReportCharts.HEIGHT);
        return TEMPLATES.process("report", ctx);
    }

    /** The figures as CSV: one row per figure, {@code section,item,measure,current,previous}; empty cells are "no data". */
    public static String csv(JsonNode f) {
        StringWriter out = new StringWriter();
        try (CSVPrinter p = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setHeader(CSV_HEADER).get())) {
            p.printRecord("period", f.path("period").asText(), "start", f.path("start").asText(), f.at("/previous/start").asText());
            p.printRecord("period", f.path("period").asText(), "end", f.path("end").asText(), f.at("/previous/end").asText());
            p.printRecord("frames", "", "count", cell(f.at("/frames/current")), cell(f.at("/frames/previous")));
            for (String k : ReportBuilder.KINDS) {
                p.printRecord("recognitions", k, "count", cell(f.at("/recognitions/current/" + k)), cell(f.at("/recognitions/previous/" + k)));
            }
            for (JsonNode l : f.path("latency")) {
                for (String q : new String[] {"p50", "p95", "p99"}) {
                    p.printRecord("latency", l.path("operation").asText(), q + "_seconds", cell(l.at("/current/" + q)), cell(l.at("/previous/" + q)));
                }
            }
            for (JsonNode e : f.path("errors")) {
                String item = e.path("service").asText("") + "/" + e.path("operation").asText("");
                p.printRecord("errors", item, "calls", cell(e.path("calls")), cell(e.path("previousCalls")));
                p.printRecord("errors", item, "errors", cell(e.path("errors")), cell(e.path("previousErrors")));
                p.printRecord("errors", item, "error_rate", cell(e.path("errorRate")), cell(e.path("previousErrorRate")));
            }
            for (JsonNode h : f.path("hosts")) {
                String host = h.path("host").asText("");
                p.printRecord("host", host, "cpu_utilization_max", cell(h.path("cpuMax")), "");
                p.printRecord("host", host, "memory_used_max_bytes", cell(h.path("memoryUsedMaxBytes")), "");
                p.printRecord("host", host, "memory_utilization_max", cell(h.path("memoryUtilizationMax")), "");
                p.printRecord("host", host, "load_1m_max", cell(h.path("load1mMax")), "");
                p.printRecord("host", host, "disk_used_max", cell(h.path("diskUsedMax")), "");
            }
            p.printRecord("alerts", "", "fired", cell(f.at("/alerts/fired")), cell(f.at("/alerts/previousFired")));
            p.printRecord("alerts", "", "median_time_to_acknowledge_seconds", cell(f.at("/alerts/medianTimeToAcknowledgeSeconds")), "");
            p.printRecord("alerts", "", "median_time_to_resolve_seconds", cell(f.at("/alerts/medianTimeToResolveSeconds")), "");
            for (JsonNode a : f.at("/alerts/list")) {
                String item = a.path("alertname").asText("") + "#" + a.path("id").asText() + "@" + a.path("firedAt").asText();
                p.printRecord("alert", item, "time_to_acknowledge_seconds", cell(a.path("timeToAcknowledgeSeconds")), "");
                p.printRecord("alert", item, "time_to_resolve_seconds", cell(a.path("timeToResolveSeconds")), "");
            }
            for (String kind : new String[] {"blacklisted", "unknown"}) {
                JsonNode k = f.at("/visitors/" + kind);
                p.printRecord("visitors", kind, "events", cell(k.path("total")), cell(k.path("previousTotal")));
                for (JsonNode v : k.path("list")) {
                    p.printRecord("visitor_" + kind, v.path("at").asText(), v.path("personName").asText(""),
                            cell(v.path("confidence")), "");
                }
            }
            for (JsonNode a : f.at("/uptime/agents")) {
                p.printRecord("uptime", a.path("agentId").asText(""), "ratio", cell(a.path("ratio")), "");
                p.printRecord("uptime", a.path("agentId").asText(""), "minutes_with_data", cell(a.path("minutesWithData")), "");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static String cell(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? "" : n.asText();
    }

    private static Map<String, String> row(String name, String current, String previous) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("current", current);
        m.put("previous", previous);
        return m;
    }

    static String time(JsonNode n, ZoneId zone) {
        if (!n.isTextual()) {
            return NO_DATA;
        }
        return TIME.format(Instant.parse(n.asText()).atZone(zone));
    }

    static String count(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%,d", n.asLong()) : NO_DATA;
    }

    static String number(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.2f", n.asDouble()) : NO_DATA;
    }

    static String percent(JsonNode n) {
        return n.isNumber() ? String.format(Locale.ROOT, "%.2f %%", 100 * n.asDouble()) : NO_DATA;
    }

    static String seconds(JsonNode n) {
        if (!n.isNumber()) {
            return NO_DATA;
        }
        double s = n.asDouble();
        return s < 1 ? String.format(Locale.ROOT, "%.1f ms", s * 1000) : String.format(Locale.ROOT, "%.2f s", s);
    }

    static String bytes(JsonNode n) {
        if (!n.isNumber()) {
            return NO_DATA;
        }
        double b = n.asDouble();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (b >= 1024 && u < units.length - 1) {
            b /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", b, units[u]);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min " + (s % 60) + " s";
        }
        return (s / 3600) + " h " + ((s % 3600) / 60) + " min";
    }
}
