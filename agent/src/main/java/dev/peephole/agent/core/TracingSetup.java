package dev.peephole.agent.core;

import dev.peephole.agent.bootstrap.Bridge;
import dev.peephole.agent.core.config.AgentConfig;
import dev.peephole.agent.core.config.Setting;
import dev.peephole.agent.core.inst.Instrumenter;
import dev.peephole.agent.core.rules.Rule;
import dev.peephole.agent.core.rules.RuleSet;
import dev.peephole.agent.core.trace.MethodRegistry;
import dev.peephole.agent.core.trace.SpanMetrics;
import dev.peephole.agent.core.trace.Tracing;
import dev.peephole.agent.core.transport.Buffer;
import dev.peephole.proto.v1.Settings;
import java.lang.instrument.Instrumentation;
import java.util.List;

/**
 * Tracing and weaving. Loaded only after the bridge is in the bootstrap class loader (this class
 * names bridge types).
 */
final class TracingSetup {
    final Tracing tracing;
    final SpanMetrics spanMetrics;
    final Instrumenter instrumenter;
    final List<Rule> rules;

    private TracingSetup(Tracing tracing, SpanMetrics spanMetrics, Instrumenter instrumenter, List<Rule> rules) {
        this.tracing = tracing;
        this.spanMetrics = spanMetrics;
        this.instrumenter = instrumenter;
        this.rules = rules;
    }

    static TracingSetup install(AgentConfig config, Buffer buffer, Instrumentation inst) {
        return install(config, buffer, inst, true, System.nanoTime());
    }

    /** {@code attached}: started in a running JVM (agentmain), whose loaded classes must all be considered. */
    static TracingSetup install(AgentConfig config, Buffer buffer, Instrumentation inst, boolean attached, long t0) {
        MethodRegistry registry = new MethodRegistry();
        SpanMetrics spanMetrics = null;
        if (config.getBoolean(Setting.SPAN_METRICS)) {
            double[] bounds;
            try {
                bounds = SpanMetrics.parseBounds(config.get(Setting.SPAN_METRICS_BUCKETS));
            } catch (RuntimeException e) {
                Log.warn(Setting.SPAN_METRICS_BUCKETS.key() + " is not a list of numbers; using the default");
                bounds = SpanMetrics.parseBounds(Setting.SPAN_METRICS_BUCKETS.defaultValue());
            }
            spanMetrics = new SpanMetrics(bounds);
        }
        Tracing tracing = new Tracing(registry, buffer, config.getDouble(Setting.SAMPLING_RATIO), spanMetrics);
        Bridge.install(tracing);
        Log.debug("tracer ready after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        List<Rule> rules = RuleSet.load(config);
        Log.debug("rules loaded after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        Instrumenter instrumenter = new Instrumenter(registry);
        List<Instrumenter.TypeInstrumentation> list = Instrumenter.list();
        if (!rules.isEmpty()) {
            list.add(instrumenter.rules(rules));
        }
        if (config.getBoolean(Setting.INSTRUMENT_HTTP)) {
            list.add(Instrumenter.httpHandlers());
        }
        if (config.getBoolean(Setting.INSTRUMENT_EXECUTORS)) {
            list.add(Instrumenter.executors());
        }
        if (config.getBoolean(Setting.INSTRUMENT_QUEUES)) {
            list.add(Instrumenter.queues());
        }
        if (inst != null) {
            instrumenter.install(inst, list, attached);
        }
        Log.debug("woven after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        return new TracingSetup(tracing, spanMetrics, instrumenter, rules);
    }

    void apply(Settings s) {
        if (s.getSamplingRatio() >= 0 && s.getVersion() > 0) {
            tracing.sampler().setRatio(s.getSamplingRatio());
        }
        tracing.registry().applyRuleSwitches(s.getEnabledRulesList(), s.getDisabledRulesList());
    }
}
