package dev.peephole.collector.audit;

import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.model.Pageable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;

/** The audit log, for admins; read-only. */
@Controller("/api/v1/audit")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AuditController {

    private static final int MAX_LIMIT = 10_000;
    private final AuditRepository repository;

    public AuditController(AuditRepository repository) {
        this.repository = repository;
    }

    @Serdeable
    public record Page(String status, List<AuditEntry> data) {
    }

    @Get
    public Page list(HttpRequest<?> request, @Nullable @QueryValue String start, @Nullable @QueryValue String end,
                     @Nullable @QueryValue String limit) {
        Requests.admin(request);
        Instant to = end == null ? Instant.now() : TimeParams.parseTime("end", end);
        Instant from = start == null ? Instant.EPOCH : TimeParams.parseTime("start", start);
        int n = limit == null ? 1000 : TimeParams.parsePositiveInt("limit", limit, MAX_LIMIT);
        return new Page("success", repository.findByAtBetweenOrderByIdDesc(from, to, Pageable.from(0, n)));
    }
}
