package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.notify.DeliveryException;
import dev.peephole.collector.notify.Integration;
import dev.peephole.collector.notify.NotificationService;
import dev.peephole.collector.notify.ReportMessage;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a report (figures, HTML, CSV, PNG charts), stores it (keeping the newest
 * {@code PEEPHOLE_REPORTS_KEEP}) and delivers it through a receiver of the notification
 * configuration.
 */
@Singleton
public class ReportService {

    private static final Logger LOG = LoggerFactory.getLogger(ReportService.class);

    private final ReportBuilder builder;
    private final ReportStore store;
    private final NotificationService notifications;
    private final int keep;
    private final String externalUrl;

    public ReportService(ReportBuilder builder, ReportStore store, NotificationService notifications,
                         @Value("${peephole.reports.keep:200}") int keep,
                         @Value("${peephole.external.url:}") String externalUrl) {
        if (keep < 1) {
            throw new IllegalArgumentException("PEEPHOLE_REPORTS_KEEP must be at least 1, not " + keep);
        }
        this.builder = builder;
        this.store = store;
        this.notifications = notifications;
        this.keep = keep;
        this.externalUrl = externalUrl == null ? "" : externalUrl.replaceAll("/+$", "");
    }

    /** What generating a report gave: the stored report and what delivery needs. */
    public record Generated(ReportStore.Report report, ObjectNode figures, ZoneId zone) {
    }

    public int keep() {
        return keep;
    }

    /**
     * Builds and stores the report of the {@code period} ending at {@code end} (times shown in
     * {@code zone}); {@code schedule} is null for an ad-hoc report.
     */
    public Generated generate(String period, Instant end, ReportStore.Schedule schedule, String actor) throws SQLException {
        Instant e = end.truncatedTo(ChronoUnit.SECONDS);
        Instant start = e.minus(ScheduleSpec.length(period));
        ZoneId zone = schedule == null ? ZoneId.of("UTC") : ZoneId.of(schedule.timezone());
        ReportBuilder.Built built = builder.build(period, start, e);
        long id = store.nextId();
        Map<String, byte[]> charts = new LinkedHashMap<>();
        for (Map.Entry<String, ReportBuilder.ChartData> c : built.charts().entrySet()) {
            charts.put(c.getKey(), ReportCharts.png(c.getValue(), TimeZone.getTimeZone(zone)));
        }
        String title = title(period, schedule);
        built.figures().put("title", title);
        built.figures().put("timezone", zone.getId());
        String html = ReportRenderer.html(title, built.figures(), zone,
                name -> "/api/v1/reports/" + id + "/charts/" + name + ".png", link(id));
        String csv = ReportRenderer.csv(built.figures());
        store.insert(id, schedule == null ? null : schedule.id(), schedule == null ? null : schedule.name(), period, start, e,
                Instant.now(), actor, built.figures().toString(), html, csv, charts, keep);
        return new Generated(store.get(id).orElseThrow(), built.figures(), zone);
    }

    private static String title(String period, ReportStore.Schedule schedule) {
        String p = "weekly".equals(period) ? "Weekly" : "Daily";
        return schedule == null ? "Peephole " + p.toLowerCase(Locale.ROOT) + " report" : "Peephole: " + schedule.name();
    }

    /** The dashboard's address of a report, when PEEPHOLE_EXTERNAL_URL is set. */
    String link(long id) {
        return externalUrl.isEmpty() ? null : externalUrl + "/#reports/" + id;
    }

    /** The outcome of a delivery: {@code delivered}, {@code failed} or {@code not_sent}, the error, the e-mail recipients. */
    public record Outcome(String outcome, String error, List<String> to) {
    }

    /**
     * Sends a generated report to the schedule's receiver (every integration of it), stores the
     * outcome on the report and returns it. Never throws for a delivery failure.
     */
    public Outcome deliver(Generated g, ReportStore.Schedule schedule) {
        Outcome o = send(g, schedule);
        try {
            store.setDelivery(g.report().id(), o.outcome(), o.error(), o.to());
        } catch (SQLException e) {
            LOG.warn("could not store the delivery outcome of report {}: {}", g.report().id(), e.getMessage());
        }
        return o;
    }

    private Outcome send(Generated g, ReportStore.Schedule schedule) {
        if (schedule == null || schedule.receiver() == null) {
            return new Outcome("not_sent", null, List.of());
        }
        List<Integration> integrations = notifications.routing().receivers().get(schedule.receiver());
        if (integrations == null) {
            return new Outcome("failed", "receiver " + schedule.receiver() + " is not in the notification configuration", List.of());
        }
        if (integrations.isEmpty()) {
            return new Outcome("not_sent", "receiver " + schedule.receiver() + " has no integrations", List.of());
        }
        long id = g.report().id();
        JsonNode f = g.figures();
        String subject = f.path("title").asText() + " " + ReportRenderer.time(f.path("start"), g.zone()) + " to "
                + ReportRenderer.time(f.path("end"), g.zone()) + " (" + g.zone().getId() + ")";
        Map<String, byte[]> charts;
        String csv;
        try {
            charts = store.charts(id);
            csv = store.text(id, false).orElse("");
        } catch (SQLException e) {
            return new Outcome("failed", "could not read the report: " + e.getMessage(), List.of());
        }
        String html = ReportRenderer.html(f.path("title").asText(), f, g.zone(), name -> "cid:" + contentId(name), link(id));
        Map<String, byte[]> inline = new LinkedHashMap<>();
        charts.forEach((name, png) -> inline.put(contentId(name), png));
        ReportMessage msg = new ReportMessage(id, subject, summary(f, link(id)), link(id), html, inline,
                "peephole-report-" + id + ".csv", csv, schedule.to());
        List<String> errors = new ArrayList<>();
        List<String> to = new ArrayList<>();
        int sent = 0;
        for (Integration i : integrations) {
            try {
                i.sendReport(msg);
                sent++;
                if ("email".equals(i.type())) {
                    to.addAll(schedule.to().isEmpty() ? List.of(String.valueOf(i.describe().get("to"))) : schedule.to());
                }
            } catch (DeliveryException e) {
                errors.add(i.type() + ": " + i.redact(e.getMessage()));
            } catch (RuntimeException e) {
                errors.add(i.type() + ": " + i.redact(e.toString()));
            }
        }
        if (!errors.isEmpty()) {
            LOG.warn("report {} to {}: {}", id, schedule.receiver(), String.join("; ", errors));
        }
        return new Outcome(errors.isEmpty() ? "delivered" : "failed", errors.isEmpty() ? null
                : (sent > 0 ? sent + " of " + integrations.size() + " sent; " : "") + String.join("; ", errors), List.copyOf(to));
    }

    /** A chart's Content-ID in the e-mail (an addr-spec, as RFC 2392 asks): {@code frames@peephole}. */
    static String contentId(String chart) {
        return chart + "@peephole";
    }

    /** The short text the chat and webhook integrations get. */
    static String summary(JsonNode f, String link) {
        StringBuilder b = new StringBuilder();
        b.append("Frames processed: ").append(ReportRenderer.count(f.at("/frames/current")))
                .append(" (previous period ").append(ReportRenderer.count(f.at("/frames/previous"))).append(")\n");
        b.append("Recognitions: known ").append(ReportRenderer.count(f.at("/recognitions/current/known")))
                .append(", unknown ").append(ReportRenderer.count(f.at("/recognitions/current/unknown")))
                .append(", blacklisted ").append(ReportRenderer.count(f.at("/recognitions/current/blacklisted"))).append('\n');
        b.append("Blacklisted visitors: ").append(f.at("/visitors/blacklisted/total").asLong()).append('\n');
        b.append("Alerts fired: ").append(f.at("/alerts/fired").asLong()).append('\n');
        for (JsonNode l : f.path("latency")) {
            b.append(l.path("operation").asText()).append(" p95: ").append(ReportRenderer.seconds(l.at("/current/p95")))
                    .append(" (previous ").append(ReportRenderer.seconds(l.at("/previous/p95"))).append(")\n");
        }
        if (link != null) {
            b.append(link).append('\n');
        }
        return b.toString().strip();
    }

    /** How long a report took to build, for logs. */
    static String took(Instant from) {
        return Duration.between(from, Instant.now()).toMillis() + " ms";
    }
}
