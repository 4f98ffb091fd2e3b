package dev.peephole.collector.agents;

import dev.peephole.collector.audit.AuditLog;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import dev.peephole.proto.v1.Settings;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import java.util.Map;
import java.util.Optional;
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
    private final SettingsPusher pusher;
    private final AuditLog audit;

    public AgentsController(AgentRegistry registry, SettingsPusher pusher, AuditLog audit) {
        this.registry = registry;
        this.pusher = pusher;
        this.audit = audit;
    }

    @Serdeable
    public record SettingsChange(@Nullable Double samplingRatio, @Nullable List<String> enabledRules,
                                 @Nullable List<String> disabledRules) {
    }

    @Serdeable
    public record SettingsView(double samplingRatio, List<String> enabledRules, List<String> disabledRules,
                               long version) {
        static SettingsView of(Settings s) {
            return new SettingsView(s.getSamplingRatio(), s.getEnabledRulesList(), s.getDisabledRulesList(),
                    s.getVersion());
        }
    }

    @Serdeable
    public record SettingsResponse(String status, SettingsView data) {
    }

    /** Admins change an agent's sampling ratio and rules; the agent gets them within seconds. */
    @Put("/{agentId}/settings")
    public HttpResponse<?> changeSettings(HttpRequest<?> request, @PathVariable String agentId,
                                          @Body SettingsChange change) throws SQLException {
        Principal actor = Requests.admin(request);
        if (change.samplingRatio() == null || change.samplingRatio().isNaN()
                || change.samplingRatio() < 0 || change.samplingRatio() > 1) {
            return ApiError.badData("samplingRatio must be a number from 0 to 1");
        }
        // rule lists left out keep their current value (the dashboard changes only the ratio)
        Optional<Settings> changed = registry.changeSettings(agentId, change.samplingRatio(),
                change.enabledRules(), change.disabledRules());
        if (changed.isEmpty()) {
            return ApiError.response(HttpStatus.NOT_FOUND, "no agent " + agentId);
        }
        pusher.pushNow(agentId, changed.get());
        audit.record(actor.username(), "agent.settings", agentId, Map.of(
                "samplingRatio", Double.toString(change.samplingRatio()),
                "enabledRules", String.join(",", changed.get().getEnabledRulesList()),
                "disabledRules", String.join(",", changed.get().getDisabledRulesList())),
                Requests.clientAddress(request));
        return HttpResponse.ok(new SettingsResponse("success", SettingsView.of(changed.get())));
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
