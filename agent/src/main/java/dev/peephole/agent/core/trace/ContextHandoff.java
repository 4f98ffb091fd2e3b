package dev.peephole.agent.core.trace;

import dev.peephole.agent.bootstrap.ContextTask;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

/**
 * Carries the trace context across the app's threads.
 * <ul>
 *   <li><b>Executors</b>: a task given to a {@code ThreadPoolExecutor} is wrapped with the
 *       submitting thread's context, which is current while the task runs.</li>
 *   <li><b>Queues</b>: when an item is put into a woven {@code BlockingQueue} ({@code offer},
 *       {@code put}), the producer's context is recorded against the item (by identity, weakly,
 *       bounded); when a consumer takes it ({@code take}, {@code poll}), that context becomes the
 *       consumer thread's <i>hand-off context</i>: spans the consumer starts with no current
 *       context are its children, and tasks or items it passes on carry it further. The next
 *       item taken replaces it.</li>
 *   <li><b>Produced objects</b>: the object a root span's method returns (the camera's frame)
 *       carries that span's context, so the frame's trace follows it into the first queue
 *       although the capture span has ended when the frame is queued.</li>
 * </ul>
 */
final class ContextHandoff {
    private final ThreadLocal<Context> handoff = new ThreadLocal<>();
    private final WeakIdentityMap<Context> carried;

    ContextHandoff(int maxCarried) {
        carried = new WeakIdentityMap<>(maxCarried);
    }

    /** The current context, else the thread's hand-off context, else root. */
    Context current() {
        Context c = Context.current();
        if (c != Context.root()) {
            return c;
        }
        Context h = handoff.get();
        return h != null ? h : c;
    }

    /** The parent for a span started now: like {@link #current()}. */
    Context parentForNewSpan() {
        return current();
    }

    Runnable wrap(Runnable task) {
        Context ctx = current();
        if (ctx == Context.root()) {
            return task;
        }
        return new ContextRunnable(task, ctx);
    }

    boolean enqueue(Object item) {
        Context ctx = current();
        if (ctx == Context.root()) {
            return false;
        }
        return carried.putIfAbsent(item, carriedForm(ctx));
    }

    void enqueueFailed(Object item) {
        carried.remove(item);
    }

    void dequeued(Object item) {
        Context ctx = item == null ? null : carried.remove(item);
        if (ctx != null || handoff.get() != null) {
            handoff.set(ctx);
        }
    }

    /** The object a root span returned carries its context until it is queued or collected. */
    void produced(Object item, Context ctx) {
        carried.putIfAbsent(item, carriedForm(ctx));
    }

    /**
     * What an item carries: the context with its span replaced by the span's identity alone
     * ({@link Span#wrap}), so the map does not keep the ended (or ending) span, its attributes and
     * events alive until the item is taken or collected (a frame that is never queued holds its
     * entry until the next GC, and every such span would be copied by it). Spans started from it
     * get the same parent, trace and sampling decision.
     */
    static Context carriedForm(Context ctx) {
        Span span = Span.fromContextOrNull(ctx);
        if (span == null || !span.isRecording()) {
            return ctx;
        }
        return ctx.with(Span.wrap(span.getSpanContext()));
    }

    int carriedCount() {
        return carried.size();
    }

    long refused() {
        return carried.refused.get();
    }

    static final class ContextRunnable implements Runnable, ContextTask {
        private final Runnable task;
        private final Context context;

        ContextRunnable(Runnable task, Context context) {
            this.task = task;
            this.context = context;
        }

        @Override
        public void run() {
            try (Scope ignored = context.makeCurrent()) {
                task.run();
            }
        }

        @Override
        public String toString() {
            return task.toString();
        }
    }
}
