package dev.peephole.collector.agents;

import dev.peephole.collector.http.TimeParams;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.sql.SQLException;
import java.util.List;

/** Connected and recently seen agents. */
@Controller("/api/v1/agents")
@ExecuteOn(TaskExecutors.BLOCKING)
public class AgentsController {

    private static final int MAX_WITHIN_SECONDS = 30 * 24 * 3600;
    private final AgentRegistry registry;

    public AgentsController(AgentRegistry registry) {
        this.registry = registry;
    }

    @Serdeable
    public record Agents(String status, List<AgentRegistry.AgentView> data) {
    }

    /** {@code withinSeconds}: how far back "recently seen" reaches (default a day). */
    @Get
    public Agents list(@Nullable @QueryValue String withinSeconds) throws SQLException {
        int within = withinSeconds == null ? 24 * 3600
                : TimeParams.parsePositiveInt("withinSeconds", withinSeconds, MAX_WITHIN_SECONDS);
        return new Agents("success", registry.list(within));
    }
}
