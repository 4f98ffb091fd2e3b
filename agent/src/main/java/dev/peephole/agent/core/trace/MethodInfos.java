package dev.peephole.agent.core.trace;

import dev.peephole.agent.core.rules.Rule;
import io.opentelemetry.api.trace.SpanKind;
import java.util.Locale;

/** Builds {@link MethodInfo}s for the instrumenter (which names no OpenTelemetry type). */
public final class MethodInfos {
    private MethodInfos() {
    }

    public static MethodRegistry.MethodInfoFactory factory(Rule rule, String className, String methodName,
                                                           String spanName, String kind) {
        SpanKind k;
        try {
            k = SpanKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            k = SpanKind.INTERNAL;
        }
        SpanKind spanKind = k;
        return id -> new MethodInfo(id, rule, className, methodName, spanName, spanKind);
    }
}
