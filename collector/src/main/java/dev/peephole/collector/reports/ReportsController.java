package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /api/v1/reports}: stored reports (any user reads), their HTML, CSV and charts, and
 * ad-hoc reports (admins; audited).
 */
@Controller("/api/v1/reports")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ReportsController {

    /** The report HTML runs nothing and loads only its own charts; the dashboard shows it in a sandboxed iframe. */
    /**
     * The report page's policy: no scripts at all, its own charts and inline style only. The
     * sandbox keeps its origin ({@code allow-same-origin}, without {@code allow-scripts}): an
     * opaque origin would send the chart requests cross-site, without the session cookie.
     */
    public static final String HTML_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
            + "sandbox allow-same-origin";
    private static final Set<String> POST_KEYS = Set.of("period", "end");

    private final ReportStore store;
    private final ReportService service;
    private final AuditLog audit;

    public ReportsController(ReportStore store, ReportService service, AuditLog audit) {
        this.store = store;
        this.service = service;
        this.audit = audit;
    }

    @Get
    public HttpResponse<?> list(@Nullable @QueryValue String limit) throws SQLException {
        int n = limit == null ? 100 : TimeParams.parsePositiveInt("limit", limit, 10_000);
        ArrayNode data = ReportBuilder.JSON.createArrayNode();
        for (ReportStore.Report r : store.list(n)) {
            data.add(ReportJson.summary(r, ReportJson.figures(r)));
        }
        return ReportJson.ok(data);
    }

    @Get("/{id}")
    public HttpResponse<?> one(@PathVariable long id) throws SQLException {
        Optional<ReportStore.Report> r = store.get(id);
        if (r.isEmpty()) {
            return notFound(id);
        }
        JsonNode figures = ReportJson.figures(r.get());
        ObjectNode o = ReportJson.summary(r.get(), figures);
        o.set("figures", figures);
        return ReportJson.ok(o);
    }

    @Get("/{id}/html")
    public HttpResponse<?> html(@PathVariable long id) throws SQLException {
        Optional<String> html = store.text(id, true);
        if (html.isEmpty()) {
            return notFound(id);
        }
        return HttpResponse.ok(html.get().getBytes(StandardCharsets.UTF_8))
                .contentType(MediaType.TEXT_HTML + ";charset=utf-8")
                .header("Content-Security-Policy", HTML_CSP);
    }

    @Get("/{id}/csv")
    public HttpResponse<?> csv(@PathVariable long id) throws SQLException {
        Optional<String> csv = store.text(id, false);
        if (csv.isEmpty()) {
            return notFound(id);
        }
        return HttpResponse.ok(csv.get().getBytes(StandardCharsets.UTF_8))
                .contentType("text/csv;charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"peephole-report-" + id + ".csv\"");
    }

    @Get("/{id}/charts/{file}")
    public HttpResponse<?> chart(@PathVariable long id, @PathVariable String file) throws SQLException {
        if (!file.endsWith(".png")) {
            return ApiError.response(HttpStatus.NOT_FOUND, "charts are .png files");
        }
        Optional<byte[]> png = store.chart(id, file.substring(0, file.length() - 4));
        if (png.isEmpty()) {
            return ApiError.response(HttpStatus.NOT_FOUND, "report " + id + " has no chart " + file);
        }
        return HttpResponse.ok(png.get()).contentType(MediaType.IMAGE_PNG_TYPE).header("Cache-Control", "private, max-age=86400");
    }

    /** An ad-hoc report ({@code {"period":"daily"|"weekly","end":"RFC 3339"}}), stored and not delivered. */
    @Post
    public HttpResponse<?> create(HttpRequest<?> request, @Nullable @Body String body) throws SQLException {
        Principal p = Requests.principal(request);
        JsonNode n;
        try {
            n = body == null || body.isBlank() ? ReportBuilder.JSON.createObjectNode() : ReportBuilder.JSON.readTree(body);
        } catch (java.io.IOException e) {
            return ApiError.badData("the body is not JSON");
        }
        if (!n.isObject()) {
            return ApiError.badData("the body must be a JSON object");
        }
        for (var it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!POST_KEYS.contains(k)) {
                return ApiError.badData("unknown field \"" + k + "\"");
            }
        }
        String period = n.path("period").asText("");
        if (!"daily".equals(period) && !"weekly".equals(period)) {
            return ApiError.badData("period must be \"daily\" or \"weekly\"");
        }
        Instant end = Instant.now();
        if (n.hasNonNull("end")) {
            if (!n.get("end").isTextual()) {
                return ApiError.badData("end must be an RFC 3339 time");
            }
            end = TimeParams.parseTime("end", n.get("end").asText());
            if (end.isAfter(Instant.now().plusSeconds(60))) {
                return ApiError.badData("end is in the future");
            }
        }
        ReportService.Generated g = service.generate(period, end, null, p.username());
        audit.record(p.username(), "report.create", Long.toString(g.report().id()),
                Map.of("period", period, "start", g.report().start().toString(), "end", g.report().end().toString()),
                Requests.clientAddress(request));
        return ReportJson.created(ReportJson.summary(g.report(), g.figures()));
    }

    private static HttpResponse<?> notFound(long id) {
        return ApiError.response(HttpStatus.NOT_FOUND, "no report " + id);
    }
}
