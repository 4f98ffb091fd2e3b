package dev.peephole.collector.status;

import dev.peephole.collector.probes.ProbeRunner;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Probes: a failing probe makes the component degraded; a failing probe with
 * {@code severity: critical} (and the built-in database probe) makes it unhealthy.
 * Invalid probe files are named as degraded too.
 */
@Singleton
public class ProbesStatus implements StatusComponent {

    private final ProbeRunner probes;

    public ProbesStatus(ProbeRunner probes) {
        this.probes = probes;
    }

    @Override
    public String name() {
        return "probes";
    }

    @Override
    public ComponentStatus check() {
        List<ProbeRunner.Result> results = probes.results();
        List<ProbeRunner.Result> failing = results.stream().filter(r -> !r.success()).toList();
        List<String> errors = probes.loadErrors();
        String summary = (results.size() - failing.size()) + " of " + results.size() + " probes succeed";
        if (failing.isEmpty() && errors.isEmpty()) {
            return ComponentStatus.healthy(summary);
        }
        String reason = summary;
        if (!failing.isEmpty()) {
            reason += "; failing: " + failing.stream().map(r -> r.probe().name() + (r.probe().critical() ? " (critical)" : "")
                    + ": " + r.reason()).collect(Collectors.joining(", "));
        }
        if (!errors.isEmpty()) {
            reason += "; invalid probe files: " + String.join("; ", errors);
        }
        boolean critical = failing.stream().anyMatch(r -> r.probe().critical());
        return critical ? ComponentStatus.unhealthy(reason) : ComponentStatus.degraded(reason);
    }
}
