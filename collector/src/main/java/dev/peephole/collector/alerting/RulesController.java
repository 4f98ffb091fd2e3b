package dev.peephole.collector.alerting;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.promql.ast.Durations;
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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /api/v1/rules}: every loaded rule with its state and health in Prometheus' JSON, and
 * the rules saved through the API, which admins create, edit, disable and delete. Rules from
 * files (and the shipped defaults) are read-only here: they change in their files.
 */
@Controller("/api/v1/rules")
@ExecuteOn(TaskExecutors.BLOCKING)
public class RulesController {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final RuleManager manager;
    private final RuleStore store;
    private final AuditLog audit;

    public RulesController(RuleManager manager, RuleStore store, AuditLog audit) {
        this.manager = manager;
        this.store = store;
        this.audit = audit;
    }

    /** The body of a rule saved through the API: a Prometheus rule plus its group and whether it runs. */
    record RuleBody(@JsonProperty("group") String group,
                    @JsonProperty("alert") String alert,
                    @JsonProperty("record") String record,
                    @JsonProperty("expr") String expr,
                    @JsonProperty("for") String forDuration,
                    @JsonProperty("keep_firing_for") String keepFiringFor,
                    @JsonProperty("labels") Map<String, String> labels,
                    @JsonProperty("annotations") Map<String, String> annotations,
                    @JsonProperty("enabled") Boolean enabled) {
    }

    @Get
    public HttpResponse<?> list(@Nullable @QueryValue String type) {
        String t = type == null ? "" : type;
        if (!t.isEmpty() && !t.equals("alert") && !t.equals("record")) {
            return ApiError.badData("unsupported type \"" + t + "\": use alert or record");
        }
        List<Object> groups = new ArrayList<>();
        for (RuleGroup g : manager.groups()) {
            groups.add(AlertingJson.group(g, t, manager.apiRuleIds(g)));
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("groups", groups);
        data.put("loadErrors", manager.loadErrors());
        return HttpResponse.ok(Map.of("status", "success", "data", data));
    }

    /** Every rule saved through the API, disabled ones too. */
    @Get("/stored")
    public HttpResponse<?> stored() throws SQLException {
        List<Object> out = new ArrayList<>();
        for (RuleStore.ApiRule r : store.list()) {
            out.add(AlertingJson.apiRule(r));
        }
        return HttpResponse.ok(Map.of("status", "success", "data", out));
    }

    @Get("/stored/{id}")
    public HttpResponse<?> one(@PathVariable long id) throws SQLException {
        Optional<RuleStore.ApiRule> r = store.get(id);
        return r.<HttpResponse<?>>map(x -> HttpResponse.ok(Map.of("status", "success", "data", AlertingJson.apiRule(x))))
                .orElseGet(() -> notFound(id));
    }

    @Post
    public HttpResponse<?> create(HttpRequest<?> request, @Body String body) throws SQLException {
        Principal actor = Requests.admin(request);
        Parsed p = parse(body);
        if (p.error != null) {
            return ApiError.badData(p.error);
        }
        RuleStore.ApiRule saved = store.create(p.group, p.spec, p.enabled, actor.username());
        audit.record(actor.username(), "rule.create", Long.toString(saved.id()), Map.of("name", p.spec.name(),
                "group", p.group, "expr", p.spec.expr()), Requests.clientAddress(request));
        manager.reload();
        return HttpResponse.created(Map.of("status", "success", "data", AlertingJson.apiRule(saved)));
    }

    @Put("/{id}")
    public HttpResponse<?> update(HttpRequest<?> request, @PathVariable long id, @Body String body) throws SQLException {
        Principal actor = Requests.admin(request);
        Parsed p = parse(body);
        if (p.error != null) {
            return ApiError.badData(p.error);
        }
        Optional<RuleStore.ApiRule> saved = store.update(id, p.group, p.spec, p.enabled, actor.username());
        if (saved.isEmpty()) {
            return notFound(id);
        }
        audit.record(actor.username(), "rule.update", Long.toString(id), Map.of("name", p.spec.name(),
                "group", p.group, "expr", p.spec.expr(), "enabled", Boolean.toString(p.enabled)),
                Requests.clientAddress(request));
        manager.reload();
        return HttpResponse.ok(Map.of("status", "success", "data", AlertingJson.apiRule(saved.get())));
    }

    @Delete("/{id}")
    public HttpResponse<?> delete(HttpRequest<?> request, @PathVariable long id) throws SQLException {
        Principal actor = Requests.admin(request);
        Optional<RuleStore.ApiRule> existing = store.get(id);
        if (existing.isEmpty() || !store.delete(id)) {
            return notFound(id);
        }
        audit.record(actor.username(), "rule.delete", Long.toString(id), Map.of("name", existing.get().spec().name()),
                Requests.clientAddress(request));
        manager.reload();
        return HttpResponse.ok(Map.of("status", "success"));
    }

    private static HttpResponse<?> notFound(long id) {
        return ApiError.response(HttpStatus.NOT_FOUND, "no rule saved through the API has id " + id
                + " (rules from files are read-only here: change their file)");
    }

    private record Parsed(String group, RuleSpec spec, boolean enabled, String error) {
        static Parsed error(String e) {
            return new Parsed(null, null, false, e);
        }
    }

    private static Parsed parse(String body) {
        RuleBody b;
        try {
            b = JSON.readValue(body == null ? "" : body, RuleBody.class);
        } catch (JsonProcessingException e) {
            return Parsed.error("invalid rule JSON: " + e.getOriginalMessage());
        }
        if (b == null) {
            return Parsed.error("a rule is required");
        }
        if ((b.alert() == null) == (b.record() == null)) {
            return Parsed.error("one of 'record' or 'alert' must be set");
        }
        boolean alerting = b.alert() != null;
        if (!alerting && (b.forDuration() != null || b.keepFiringFor() != null
                || (b.annotations() != null && !b.annotations().isEmpty()))) {
            return Parsed.error("'for', 'keep_firing_for' and 'annotations' belong to alerting rules only");
        }
        long forMs;
        long keepMs;
        try {
            forMs = b.forDuration() == null ? 0 : Durations.parse(b.forDuration());
            keepMs = b.keepFiringFor() == null ? 0 : Durations.parse(b.keepFiringFor());
        } catch (IllegalArgumentException e) {
            return Parsed.error("bad duration: " + e.getMessage());
        }
        String group = b.group() == null || b.group().isBlank() ? "api" : b.group().trim();
        RuleSpec spec = new RuleSpec(alerting ? RuleSpec.Kind.ALERTING : RuleSpec.Kind.RECORDING,
                alerting ? b.alert() : b.record(), b.expr() == null ? "" : b.expr(), forMs, keepMs,
                b.labels() == null ? Map.of() : b.labels(), b.annotations() == null ? Map.of() : b.annotations());
        List<String> problems = RuleFileParser.check(spec);
        if (!problems.isEmpty()) {
            return Parsed.error(String.join("; ", problems));
        }
        return new Parsed(group, spec, b.enabled() == null || b.enabled(), null);
    }
}
