package dev.peephole.collector.storage;

import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/status/storage}: what the database holds (any user); admins change the
 * retention of each kind live with {@code PUT /api/v1/status/storage/retention}
 * ({@code {"points":"3d","spans":"1d","rollups":"30d","securityEvents":"90d"}}, any of them)
 * and hand a kind back to its setting with {@code DELETE /api/v1/status/storage/retention?kind=points}
 * (no kind: all). Changes are audited and applied by this collector's retention run at once,
 * by the others' on their next run.
 */
@Controller("/api/v1/status/storage")
@ExecuteOn(TaskExecutors.BLOCKING)
public class StorageController {

    private static final int MAX_TOP = 1000;
    private final StorageInsight insight;
    private final Retention retention;
    private final PartitionMaintainer maintainer;
    private final AuditLog audit;

    public StorageController(StorageInsight insight, Retention retention, PartitionMaintainer maintainer,
                             AuditLog audit) {
        this.insight = insight;
        this.retention = retention;
        this.maintainer = maintainer;
        this.audit = audit;
    }

    @Serdeable
    public record ReportResponse(String status, StorageInsight.Report data) {
    }

    @Serdeable
    public record RetentionResponse(String status, List<StorageInsight.RetentionView> data) {
    }

    /** {@code top}: how many metric and label names to list (default 10, as Prometheus' TSDB status). */
    @Get
    public ReportResponse report(@Nullable @QueryValue String top) throws SQLException {
        int n = top == null ? 10 : TimeParams.parsePositiveInt("top", top, MAX_TOP);
        return new ReportResponse("success", insight.report(n));
    }

    @Put("/retention")
    public HttpResponse<?> change(HttpRequest<?> request, @Nullable @Body Map<String, Object> body) throws SQLException {
        Principal actor = Requests.admin(request);
        if (body == null || body.isEmpty()) {
            return ApiError.badData("give the retention of one or more kinds: points, spans, rollups, securityEvents "
                    + "(e.g. {\"points\":\"3d\"})");
        }
        Map<Retention.Kind, Duration> changes = new EnumMap<>(Retention.Kind.class);
        for (Map.Entry<String, Object> e : body.entrySet()) {
            Optional<Retention.Kind> kind = Retention.Kind.byKey(e.getKey());
            if (kind.isEmpty()) {
                return ApiError.badData("unknown kind \"" + e.getKey()
                        + "\": the kinds are points, spans, rollups, securityEvents");
            }
            if (!(e.getValue() instanceof String text)) {
                return ApiError.badData(e.getKey() + ": give a duration as a string, e.g. \"7d\"");
            }
            Optional<Duration> keep = Retention.parse(text);
            if (keep.isEmpty()) {
                return ApiError.badData(e.getKey() + ": cannot parse \"" + text + "\" as a duration (e.g. 36h, 7d, 90d)");
            }
            if (keep.get().compareTo(Retention.MIN) < 0 || keep.get().compareTo(Retention.MAX) > 0) {
                return ApiError.badData(e.getKey() + ": a retention must be from 1h to 3650d, not " + text);
            }
            changes.put(kind.get(), keep.get());
        }
        retention.change(changes);
        Map<String, String> detail = new LinkedHashMap<>();
        changes.forEach((k, v) -> detail.put(k.key(), Retention.format(v)));
        audit.record(actor.username(), "storage.retention", "retention", detail, Requests.clientAddress(request));
        maintainer.runOnce();
        return HttpResponse.ok(new RetentionResponse("success", insight.retention()));
    }

    @Delete("/retention")
    public HttpResponse<?> reset(HttpRequest<?> request, @Nullable @QueryValue String kind) throws SQLException {
        Principal actor = Requests.admin(request);
        List<Retention.Kind> kinds = new ArrayList<>();
        if (kind == null) {
            kinds.addAll(List.of(Retention.Kind.values()));
        } else {
            Optional<Retention.Kind> k = Retention.Kind.byKey(kind);
            if (k.isEmpty()) {
                return ApiError.badData("unknown kind \"" + kind + "\": the kinds are points, spans, rollups, securityEvents");
            }
            kinds.add(k.get());
        }
        retention.reset(kinds);
        Map<String, String> detail = new LinkedHashMap<>();
        kinds.forEach(k -> detail.put(k.key(), "setting " + Retention.format(retention.configured(k))));
        audit.record(actor.username(), "storage.retention.reset", "retention", detail, Requests.clientAddress(request));
        maintainer.runOnce();
        return HttpResponse.ok(new RetentionResponse("success", insight.retention()));
    }
}
