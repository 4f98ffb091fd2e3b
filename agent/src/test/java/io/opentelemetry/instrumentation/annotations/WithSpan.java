package io.opentelemetry.instrumentation.annotations;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The app's own copy of OpenTelemetry's annotation (as an app that has opentelemetry-instrumentation-annotations
 * on its classpath would have it); the agent matches it by name.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.CONSTRUCTOR})
public @interface WithSpan {
    String value() default "";

    Kind kind() default Kind.INTERNAL;

    /** Stands in for io.opentelemetry.api.trace.SpanKind in this copy. */
    enum Kind { INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER }
}
