package dev.peephole.collector.notify;

import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import dev.peephole.collector.users.UserService.InvalidRequest;
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
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Silences: everyone reads, admins create and expire (each change in the audit log). */
@Controller("/api/v1/silences")
@ExecuteOn(TaskExecutors.BLOCKING)
public class SilencesController {

    private final SilenceStore store;
    private final AuditLog audit;

    public SilencesController(SilenceStore store, AuditLog audit) {
        this.store = store;
        this.audit = audit;
    }

    @Serdeable
    public record MatcherBody(@Nullable String name, @Nullable String value, @Nullable Boolean isRegex,
                              @Nullable Boolean isEqual) {
    }

    @Serdeable
    public record NewSilence(@Nullable List<MatcherBody> matchers, @Nullable String startsAt, @Nullable String endsAt,
                             @Nullable String createdBy, @Nullable String comment) {
    }

    @Serdeable
    public record State(String state) {
    }

    /** Alertmanager's gettableSilence. */
    @Serdeable
    public record SilenceView(String id, State status, List<SilenceStore.SilenceMatcher> matchers, Instant startsAt,
                              Instant endsAt, String createdBy, String comment, Instant updatedAt) {
        static SilenceView of(SilenceStore.Silence s, Instant now) {
            return new SilenceView(s.id(), new State(s.status(now)), s.matchers(), s.startsAt(), s.endsAt(),
                    s.createdBy(), s.comment(), s.updatedAt());
        }
    }

    @Serdeable
    public record Data<T>(String status, T data) {
    }

    @Get
    public Data<List<SilenceView>> list(HttpRequest<?> request) {
        Requests.principal(request);
        Instant now = Instant.now();
        return new Data<>("success", store.list().stream().map(s -> SilenceView.of(s, now)).toList());
    }

    @Get("/{id}")
    public HttpResponse<?> get(HttpRequest<?> request, @PathVariable String id) {
        Requests.principal(request);
        return store.get(id).<HttpResponse<?>>map(s -> HttpResponse.ok(new Data<>("success", SilenceView.of(s, Instant.now()))))
                .orElseGet(() -> ApiError.response(HttpStatus.NOT_FOUND, "no silence " + id));
    }

    @Post
    public HttpResponse<Data<Map<String, String>>> create(HttpRequest<?> request, @Body NewSilence body) {
        Principal actor = Requests.admin(request);
        List<SilenceStore.SilenceMatcher> matchers = new ArrayList<>();
        if (body.matchers() == null || body.matchers().isEmpty()) {
            throw new InvalidRequest("a silence needs at least one matcher");
        }
        for (MatcherBody m : body.matchers()) {
            if (m == null || m.name() == null || !m.name().matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
                throw new InvalidRequest("every matcher needs a label name (letters, digits, _)");
            }
            if (m.value() == null) {
                throw new InvalidRequest("matcher " + m.name() + " has no value");
            }
            SilenceStore.SilenceMatcher sm = new SilenceStore.SilenceMatcher(m.name(), m.value(),
                    Boolean.TRUE.equals(m.isRegex()), m.isEqual() == null || m.isEqual());
            try {
                sm.compile();
            } catch (RuntimeException e) {
                throw new InvalidRequest("matcher " + m.name() + ": " + e.getMessage());
            }
            matchers.add(sm);
        }
        Instant now = Instant.now();
        Instant startsAt = body.startsAt() == null ? now : time("startsAt", body.startsAt());
        if (body.endsAt() == null) {
            throw new InvalidRequest("a silence needs endsAt");
        }
        Instant endsAt = time("endsAt", body.endsAt());
        if (!endsAt.isAfter(startsAt)) {
            throw new InvalidRequest("endsAt must be after startsAt");
        }
        if (!endsAt.isAfter(now)) {
            throw new InvalidRequest("endsAt is in the past");
        }
        if (body.comment() == null || body.comment().isBlank()) {
            throw new InvalidRequest("a silence needs a comment");
        }
        String createdBy = body.createdBy() == null || body.createdBy().isBlank() ? actor.username() : body.createdBy();
        SilenceStore.Silence s = store.create(matchers, startsAt, endsAt, createdBy, body.comment());
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("matchers", matchers.stream().map(m -> m.name() + (m.isEqual() ? "" : "!") + (m.isRegex() ? "=~" : "=")
                + "\"" + m.value() + "\"").toList().toString());
        detail.put("startsAt", startsAt.toString());
        detail.put("endsAt", endsAt.toString());
        detail.put("comment", body.comment());
        audit.record(actor.username(), "silence.create", s.id(), detail, Requests.clientAddress(request));
        return HttpResponse.created(new Data<>("success", Map.of("silenceID", s.id())));
    }

    @Delete("/{id}")
    public HttpResponse<?> expire(HttpRequest<?> request, @PathVariable String id) {
        Principal actor = Requests.admin(request);
        if (store.get(id).isEmpty()) {
            return ApiError.response(HttpStatus.NOT_FOUND, "no silence " + id);
        }
        if (!store.expire(id)) {
            throw new InvalidRequest("silence " + id + " has already expired");
        }
        audit.record(actor.username(), "silence.expire", id, Map.of(), Requests.clientAddress(request));
        return HttpResponse.ok(new Data<>("success", "expired"));
    }

    private static Instant time(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidRequest("cannot parse " + name + " \"" + value + "\": RFC 3339 time expected");
        }
    }
}
