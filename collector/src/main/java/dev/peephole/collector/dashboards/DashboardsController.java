package dev.peephole.collector.dashboards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/v1/dashboards}: custom dashboards. Every user reads every dashboard and may create
 * their own (importing one is creating it from an exported JSON); the owner and admins change
 * and delete it. Changes are audited; from the browser they need the session's CSRF token.
 */
@Controller("/api/v1/dashboards")
@ExecuteOn(TaskExecutors.BLOCKING)
public class DashboardsController {

    private final DashboardStore store;
    private final AuditLog audit;

    public DashboardsController(DashboardStore store, AuditLog audit) {
        this.store = store;
        this.audit = audit;
    }

    @Get
    public HttpResponse<?> list(HttpRequest<?> request) throws SQLException {
        Principal p = Requests.principal(request);
        ArrayNode data = DashboardDefinition.JSON.createArrayNode();
        for (DashboardStore.Stored d : store.list()) {
            ObjectNode o = summary(d, p);
            o.put("panels", definition(d).path("panels").size());
            data.add(o);
        }
        return ok(data);
    }

    @Get("/{id}")
    public HttpResponse<?> one(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Principal p = Requests.principal(request);
        Optional<DashboardStore.Stored> d = store.get(id);
        return d.<HttpResponse<?>>map(x -> ok(full(x, p))).orElseGet(() -> notFound(id));
    }

    /** The dashboard as a JSON file ({@code title} and {@code panels}), the body {@code POST} imports. */
    @Get("/{id}/export")
    public HttpResponse<?> export(@PathVariable long id) throws SQLException {
        Optional<DashboardStore.Stored> d = store.get(id);
        if (d.isEmpty()) {
            return notFound(id);
        }
        return HttpResponse.ok(bytes(definition(d.get())))
                .contentType(MediaType.APPLICATION_JSON_TYPE)
                .header("Content-Disposition", "attachment; filename=\"dashboard-" + id + ".json\"");
    }

    /** Creates a dashboard owned by the caller; also how an exported dashboard is imported. */
    @Post
    public HttpResponse<?> create(HttpRequest<?> request, @Nullable @Body String body) throws SQLException {
        Principal p = Requests.principal(request);
        DashboardDefinition def;
        try {
            def = DashboardDefinition.parse(body);
        } catch (DashboardDefinition.Invalid e) {
            return ApiError.badData(e.getMessage());
        }
        DashboardStore.Stored saved = store.create(p.userId(), p.username(), def);
        audit.record(p.username(), "dashboard.create", Long.toString(saved.id()),
                Map.of("title", def.title(), "panels", Integer.toString(def.panels().size())), Requests.clientAddress(request));
        return HttpResponse.created(bytes(envelope(full(saved, p)))).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    @Put("/{id}")
    public HttpResponse<?> update(HttpRequest<?> request, @PathVariable long id, @Nullable @Body String body)
            throws SQLException {
        Principal p = Requests.principal(request);
        Optional<DashboardStore.Stored> existing = store.get(id);
        if (existing.isEmpty()) {
            return notFound(id);
        }
        if (!mayChange(existing.get(), p)) {
            return forbidden(existing.get());
        }
        DashboardDefinition def;
        try {
            def = DashboardDefinition.parse(body);
        } catch (DashboardDefinition.Invalid e) {
            return ApiError.badData(e.getMessage());
        }
        Optional<DashboardStore.Stored> saved = store.update(id, p.username(), def);
        if (saved.isEmpty()) {
            return notFound(id);
        }
        audit.record(p.username(), "dashboard.update", Long.toString(id),
                Map.of("title", def.title(), "panels", Integer.toString(def.panels().size())), Requests.clientAddress(request));
        return ok(full(saved.get(), p));
    }

    @Delete("/{id}")
    public HttpResponse<?> delete(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Principal p = Requests.principal(request);
        Optional<DashboardStore.Stored> existing = store.get(id);
        if (existing.isEmpty()) {
            return notFound(id);
        }
        if (!mayChange(existing.get(), p)) {
            return forbidden(existing.get());
        }
        if (!store.delete(id)) {
            return notFound(id);
        }
        audit.record(p.username(), "dashboard.delete", Long.toString(id), Map.of("title", existing.get().title()),
                Requests.clientAddress(request));
        return ok(DashboardDefinition.JSON.getNodeFactory().textNode("deleted"));
    }

    static boolean mayChange(DashboardStore.Stored d, Principal p) {
        return p.isAdmin() || d.ownerId() == p.userId();
    }

    private static ObjectNode summary(DashboardStore.Stored d, Principal p) {
        ObjectNode o = DashboardDefinition.JSON.createObjectNode();
        o.put("id", d.id());
        o.put("title", d.title());
        o.put("owner", d.owner());
        o.put("createdAt", d.createdAt().toString());
        o.put("updatedAt", d.updatedAt().toString());
        o.put("updatedBy", d.updatedBy());
        o.put("canEdit", mayChange(d, p));
        return o;
    }

    private static ObjectNode full(DashboardStore.Stored d, Principal p) {
        ObjectNode o = summary(d, p);
        o.set("panels", definition(d).path("panels"));
        return o;
    }

    private static JsonNode definition(DashboardStore.Stored d) {
        try {
            return DashboardDefinition.JSON.readTree(d.definition());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("dashboard " + d.id() + " holds no valid JSON", e);
        }
    }

    private static ObjectNode envelope(JsonNode data) {
        ObjectNode o = DashboardDefinition.JSON.createObjectNode();
        o.put("status", "success");
        o.set("data", data);
        return o;
    }

    private static MutableHttpResponse<byte[]> ok(JsonNode data) {
        return HttpResponse.ok(bytes(envelope(data))).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return DashboardDefinition.JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<?> notFound(long id) {
        return ApiError.response(HttpStatus.NOT_FOUND, "no dashboard " + id);
    }

    private static HttpResponse<?> forbidden(DashboardStore.Stored d) {
        return ApiError.response(HttpStatus.FORBIDDEN, "only " + d.owner() + " (the owner) and admins change this dashboard");
    }
}
