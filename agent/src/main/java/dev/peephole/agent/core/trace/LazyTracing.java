package dev.peephole.agent.core.trace;

import dev.peephole.agent.bootstrap.Dispatcher;
import dev.peephole.agent.core.Log;
import dev.peephole.agent.core.transport.Buffer;

/**
 * The {@link Dispatcher} the bridge holds from premain on, whose {@link Tracing} (the
 * OpenTelemetry SDK's tracer provider, some hundred classes) is made on first need: by the
 * agent's {@code peephole-start} thread right after premain, or by the first woven method to run
 * if that comes first (it then waits for the tracer to be made, never for the network). Until the
 * tracer exists no span can exist, so the context hand-offs of executors and queues have nothing
 * to carry and pass through untouched.
 */
public final class LazyTracing implements Dispatcher {
    private final MethodRegistry registry;
    private final Buffer buffer;
    private final SpanMetrics spanMetrics;
    private volatile double samplingRatio;
    private volatile Tracing tracing;
    private volatile boolean failed;

    public LazyTracing(MethodRegistry registry, Buffer buffer, double samplingRatio, SpanMetrics spanMetrics) {
        this.registry = registry;
        this.buffer = buffer;
        this.samplingRatio = samplingRatio;
        this.spanMetrics = spanMetrics;
    }

    /** The tracer, made now if it is not yet; null if it could not be made. */
    public Tracing get() {
        Tracing t = tracing;
        if (t != null || failed) {
            return t;
        }
        synchronized (this) {
            if (tracing == null && !failed) {
                try {
                    Tracing made = new Tracing(registry, buffer, samplingRatio, spanMetrics);
                    tracing = made;
                    made.sampler().setRatio(samplingRatio); // a change that came while it was made
                } catch (RuntimeException | LinkageError e) {
                    failed = true;
                    Log.error("the tracer could not start; no spans are recorded", e);
                }
            }
            return tracing;
        }
    }

    /** The tracer if it is made already, else null. */
    public Tracing ifReady() {
        return tracing;
    }

    public MethodRegistry registry() {
        return registry;
    }

    public double samplingRatio() {
        Tracing t = tracing;
        return t != null ? t.sampler().ratio() : samplingRatio;
    }

    public synchronized void setSamplingRatio(double r) {
        samplingRatio = r;
        Tracing t = tracing;
        if (t != null) {
            t.sampler().setRatio(r);
        }
    }

    @Override
    public Object enter(int methodId, Object self, Object[] args) {
        Tracing t = get();
        return t == null ? null : t.enter(methodId, self, args);
    }

    @Override
    public void exit(Object token, Object returned, Throwable thrown) {
        Tracing t = tracing; // a token comes only from a tracer that exists
        if (t != null) {
            t.exit(token, returned, thrown);
        }
    }

    @Override
    public Object enterHttp(Object handler, Object exchange) {
        Tracing t = get();
        return t == null ? null : t.enterHttp(handler, exchange);
    }

    @Override
    public void exitHttp(Object token, Object exchange, Throwable thrown) {
        Tracing t = tracing;
        if (t != null) {
            t.exitHttp(token, exchange, thrown);
        }
    }

    @Override
    public Runnable wrap(Runnable task) {
        Tracing t = tracing;
        return t == null ? task : t.wrap(task);
    }

    @Override
    public boolean enqueue(Object item) {
        Tracing t = tracing;
        return t != null && t.enqueue(item);
    }

    @Override
    public void enqueueFailed(Object item) {
        Tracing t = tracing;
        if (t != null) {
            t.enqueueFailed(item);
        }
    }

    @Override
    public void dequeued(Object item) {
        Tracing t = tracing;
        if (t != null) {
            t.dequeued(item);
        }
    }
}
