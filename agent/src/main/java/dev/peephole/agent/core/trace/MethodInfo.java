package dev.peephole.agent.core.trace;

import dev.peephole.agent.core.rules.PropertyPath;
import dev.peephole.agent.core.rules.Rule;
import dev.peephole.agent.core.rules.SpanNameTemplate;
import io.opentelemetry.api.trace.SpanKind;
import java.util.List;
import java.util.Map;

/** A woven method: its rule and everything about it decided when it was woven. */
public final class MethodInfo {
    final int id;
    final Rule rule;
    final String className;
    final String methodName;
    final SpanNameTemplate name;
    final SpanKind kind;
    /** Attribute names and paths read at entry (arguments, this) and at exit (return value). */
    final String[] enterKeys;
    final PropertyPath[] enterPaths;
    final String[] exitKeys;
    final PropertyPath[] exitPaths;
    /** Indexes into enter/exit attributes that also label span metrics: metric label names. */
    final String[] metricLabelNames;
    /** The method returns a reference (not a primitive or void): a root span's result carries its context. */
    final boolean returnsObject;
    volatile boolean enabled;
    /** Span-metrics series of this method when its span name is constant and it has no metric labels. */
    SpanMetrics.Series unsetSeries;
    SpanMetrics.Series errorSeries;

    public int id() {
        return id;
    }

    MethodInfo(int id, Rule rule, String className, String methodName, String spanName, SpanKind kind,
               boolean returnsObject) {
        this.id = id;
        this.returnsObject = returnsObject;
        this.rule = rule;
        this.className = className;
        this.methodName = methodName;
        this.name = SpanNameTemplate.of(spanName, className, methodName);
        this.kind = kind;
        Map<String, PropertyPath> attrs = rule.attributes;
        int enter = 0;
        for (PropertyPath p : attrs.values()) {
            if (p.root() != PropertyPath.Root.RETURN) {
                enter++;
            }
        }
        enterKeys = new String[enter];
        enterPaths = new PropertyPath[enter];
        exitKeys = new String[attrs.size() - enter];
        exitPaths = new PropertyPath[attrs.size() - enter];
        int i = 0;
        int j = 0;
        for (Map.Entry<String, PropertyPath> e : attrs.entrySet()) {
            if (e.getValue().root() != PropertyPath.Root.RETURN) {
                enterKeys[i] = e.getKey();
                enterPaths[i++] = e.getValue();
            } else {
                exitKeys[j] = e.getKey();
                exitPaths[j++] = e.getValue();
            }
        }
        List<String> labels = rule.metricLabels;
        metricLabelNames = labels.toArray(new String[0]);
        this.enabled = rule.enabledByDefault;
    }

    public Rule rule() {
        return rule;
    }

    @Override
    public String toString() {
        return className + "#" + methodName + " (" + rule.name + ")";
    }
}
