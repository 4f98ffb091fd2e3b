package dev.peephole.collector.reports;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.notify.NotificationService;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** {@code /api/v1/report-schedules}: admins list, create, change, delete and run report schedules; every change is audited. */
@Controller("/api/v1/report-schedules")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ReportSchedulesController {

    private final ReportStore store;
    private final ReportService service;
    private final ReportScheduler scheduler;
    private final NotificationService notifications;
    private final AuditLog audit;

    public ReportSchedulesController(ReportStore store, ReportService service, ReportScheduler scheduler,
                                     NotificationService notifications, AuditLog audit) {
        this.store = store;
        this.service = service;
        this.scheduler = scheduler;
        this.notifications = notifications;
        this.audit = audit;
    }

    @Get
    public HttpResponse<?> list(HttpRequest<?> request) throws SQLException {
        Requests.admin(request);
        ArrayNode data = ReportBuilder.JSON.createArrayNode();
        for (ReportStore.Schedule s : store.schedules()) {
            data.add(ReportJson.schedule(s));
        }
        return ReportJson.ok(data);
    }

    @Get("/{id}")
    public HttpResponse<?> one(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Requests.admin(request);
        Optional<ReportStore.Schedule> s = store.schedule(id);
        return s.<HttpResponse<?>>map(x -> ReportJson.ok(ReportJson.schedule(x))).orElseGet(() -> notFound(id));
    }

    @Post
    public HttpResponse<?> create(HttpRequest<?> request, @Nullable @Body String body) throws SQLException {
        Principal p = Requests.admin(request);
        ScheduleSpec spec;
        try {
            spec = ScheduleSpec.parse(body, notifications.routing().receivers().keySet());
        } catch (ScheduleSpec.Invalid e) {
            return ApiError.badData(e.getMessage());
        }
        ReportStore.Schedule s = store.create(spec, p.username());
        audit.record(p.username(), "report_schedule.create", Long.toString(s.id()), detail(spec), Requests.clientAddress(request));
        return ReportJson.created(ReportJson.schedule(s));
    }

    @Put("/{id}")
    public HttpResponse<?> update(HttpRequest<?> request, @PathVariable long id, @Nullable @Body String body) throws SQLException {
        Principal p = Requests.admin(request);
        if (store.schedule(id).isEmpty()) {
            return notFound(id);
        }
        ScheduleSpec spec;
        try {
            spec = ScheduleSpec.parse(body, notifications.routing().receivers().keySet());
        } catch (ScheduleSpec.Invalid e) {
            return ApiError.badData(e.getMessage());
        }
        Optional<ReportStore.Schedule> s = store.update(id, spec, p.username());
        if (s.isEmpty()) {
            return notFound(id);
        }
        audit.record(p.username(), "report_schedule.update", Long.toString(id), detail(spec), Requests.clientAddress(request));
        return ReportJson.ok(ReportJson.schedule(s.get()));
    }

    @Delete("/{id}")
    public HttpResponse<?> delete(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Principal p = Requests.admin(request);
        Optional<ReportStore.Schedule> s = store.schedule(id);
        if (s.isEmpty() || !store.deleteSchedule(id)) {
            return notFound(id);
        }
        audit.record(p.username(), "report_schedule.delete", Long.toString(id), Map.of("name", s.get().name()),
                Requests.clientAddress(request));
        return HttpResponse.noContent();
    }

    /** Generates the schedule's report for the period ending now and delivers it; returns the report's summary. */
    @Post("/{id}/run")
    public HttpResponse<?> run(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Principal p = Requests.admin(request);
        Optional<ReportStore.Schedule> s = store.schedule(id);
        if (s.isEmpty()) {
            return notFound(id);
        }
        ReportService.Generated g = scheduler.run(s.get(), Instant.now(), p.username());
        audit.record(p.username(), "report_schedule.run", Long.toString(id),
                Map.of("name", s.get().name(), "report", Long.toString(g.report().id()), "outcome", g.report().outcome()),
                Requests.clientAddress(request));
        return ReportJson.ok(ReportJson.summary(g.report(), g.figures()));
    }

    private static Map<String, String> detail(ScheduleSpec s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("period", s.period());
        m.put("at", s.at());
        if (s.weekday() != null) {
            m.put("weekday", s.weekday());
        }
        m.put("timezone", s.timezone());
        if (s.receiver() != null) {
            m.put("receiver", s.receiver());
        }
        m.put("to", String.join(", ", s.to()));
        m.put("enabled", Boolean.toString(s.enabled()));
        return m;
    }

    private static HttpResponse<?> notFound(long id) {
        return ApiError.response(HttpStatus.NOT_FOUND, "no report schedule " + id);
    }
}
