package dev.peephole.agent.core.trace;

import dev.peephole.agent.bootstrap.ContextTask;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.lang.ref.WeakReference;

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
 *       although the capture span has ended when the frame is queued. The thread remembers its
 *       last {@value #PRODUCED_SLOTS} such objects (weakly) and only an object it queues itself
 *       enters the map of carried contexts: most returned objects are never queued (an app that
 *       runs its stages inline makes every stage a root span), and an entry in the shared map
 *       lives until the next GC collects its key, which the GC then copies.</li>
 * </ul>
 */
final class ContextHandoff {
    static final int PRODUCED_SLOTS = 4;

    private final ThreadLocal<Context> handoff = new ThreadLocal<>();
    private final ThreadLocal<ProducedSlots> produced = ThreadLocal.withInitial(ProducedSlots::new);
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

    /** An item is put into a queue: it carries the context it was produced under, else the current one. */
    boolean enqueue(Object item) {
        if (item == null) {
            return false; // the queue throws; a null key would never leave the map
        }
        Context ctx = produced.get().take(item);
        if (ctx == null) {
            ctx = current();
            if (ctx == Context.root()) {
                return false;
            }
            ctx = carriedForm(ctx);
        }
        return carried.putIfAbsent(item, ctx);
    }

    /**
     * The item did not go in (or was evicted without being taken): its context leaves the map and
     * goes back to this thread, which holds the item and may queue it again.
     */
    void enqueueFailed(Object item) {
        Context ctx = carried.remove(item);
        if (ctx != null) {
            produced.get().put(item, ctx);
        }
    }

    void dequeued(Object item) {
        Context ctx = item == null ? null : carried.remove(item);
        if (ctx != null || handoff.get() != null) {
            handoff.set(ctx);
        }
    }

    /**
     * The object a root span returned carries its context if this thread queues it before it has
     * produced {@value #PRODUCED_SLOTS} more.
     */
    void produced(Object item, Context ctx) {
        if (item == null) {
            return;
        }
        produced.get().put(item, carriedForm(ctx));
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

    /** One thread's last produced objects (held weakly: a frame is not kept alive by the agent). */
    private static final class ProducedSlots {
        private final WeakReference<?>[] items = new WeakReference<?>[PRODUCED_SLOTS];
        private final Context[] contexts = new Context[PRODUCED_SLOTS];
        private int next;

        void put(Object item, Context ctx) {
            items[next] = new WeakReference<>(item);
            contexts[next] = ctx;
            next = (next + 1) % PRODUCED_SLOTS;
        }

        /** The context the item was produced under, forgotten once taken; null if none. */
        Context take(Object item) {
            for (int i = 0; i < PRODUCED_SLOTS; i++) {
                WeakReference<?> r = items[i];
                if (r != null && r.get() == item) {
                    Context ctx = contexts[i];
                    items[i] = null;
                    contexts[i] = null;
                    return ctx;
                }
            }
            return null;
        }
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
