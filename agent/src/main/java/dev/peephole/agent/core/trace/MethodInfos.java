package dev.peephole.agent.core.trace;

import dev.peephole.agent.core.rules.Rule;
import io.opentelemetry.api.trace.SpanKind;
import java.util.Locale;

/** Builds {@link MethodInfo}s for the instrumenter (which names no OpenTelemetry type). */
public final class MethodInfos {
    private MethodInfos() {
    }

    /**
     * {@code returnsObject}: the method returns a reference the app receives (not a primitive or
     * void), which may carry the trace context of a root span onwards.
     */
    public static MethodRegistry.MethodInfoFactory factory(Rule rule, String className, String methodName,
                                                           String spanName, String kind, boolean returnsObject) {
        SpanKind k;
        try {
            k = SpanKind.valueOf(kind.toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            k = SpanKind.INTERNAL;
        }
        SpanKind spanKind = k;
        return id -> new MethodInfo(id, rule, className, methodName, spanName, spanKind, returnsObject);
    }
}
