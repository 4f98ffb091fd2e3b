package dev.peephole.collector.alerting;

import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** {@code /api/v1/alerts}: active alerts in Prometheus' JSON, their history, and acknowledgement. */
@Controller("/api/v1/alerts")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AlertsController {
    private static final int MAX_HISTORY = 10_000;

    private final RuleManager manager;
    private final AlertStore store;
    private final AuditLog audit;

    public AlertsController(RuleManager manager, AlertStore store, AuditLog audit) {
        this.manager = manager;
        this.store = store;
        this.audit = audit;
    }

    /** Pending and firing alerts, as Prometheus lists them. */
    @Get
    public HttpResponse<?> active() {
        List<Object> out = new ArrayList<>();
        for (RuleGroup g : manager.groups()) {
            for (RuleGroup.Rule r : g.rules()) {
                if (r.alerting() == null) {
                    continue;
                }
                for (Alert a : r.alerting().alerts()) {
                    if (a.state() != AlertState.INACTIVE) {
                        out.add(AlertingJson.alert(a));
                    }
                }
            }
        }
        return HttpResponse.ok(Map.of("status", "success", "data", Map.of("alerts", out)));
    }

    /** Alert episodes active in [start, end] (default: the last 24 h), newest first, with every transition. */
    @Get("/history")
    public HttpResponse<?> history(@Nullable @QueryValue String start, @Nullable @QueryValue String end,
                                   @Nullable @QueryValue String alertname, @Nullable @QueryValue String limit)
            throws SQLException {
        Instant to = end == null ? Instant.now() : TimeParams.parseTime("end", end);
        Instant from = start == null ? to.minus(Duration.ofDays(1)) : TimeParams.parseTime("start", start);
        if (from.isAfter(to)) {
            return ApiError.badData("end timestamp must not be before start time");
        }
        int n = limit == null ? 500 : TimeParams.parsePositiveInt("limit", limit, MAX_HISTORY);
        return HttpResponse.ok(Map.of("status", "success", "data", store.history(from, to, alertname, n)));
    }

    /** Acknowledges an alert (admins): stored with who and when; its escalation stops. */
    @Post("/{id}/ack")
    public HttpResponse<?> acknowledge(HttpRequest<?> request, @PathVariable String id) throws SQLException {
        Principal actor = Requests.admin(request);
        long alertId;
        try {
            alertId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            return ApiError.badData("invalid alert id \"" + id + "\"");
        }
        switch (manager.acknowledge(alertId, actor.username())) {
            case NOT_FOUND:
                return ApiError.response(HttpStatus.NOT_FOUND, "no alert with id " + alertId);
            case ALREADY:
                return ApiError.response(HttpStatus.CONFLICT, "alert " + alertId + " is acknowledged already");
            default:
                audit.record(actor.username(), "alert.ack", Long.toString(alertId), Map.of(),
                        Requests.clientAddress(request));
                return HttpResponse.ok(Map.of("status", "success"));
        }
    }
}
