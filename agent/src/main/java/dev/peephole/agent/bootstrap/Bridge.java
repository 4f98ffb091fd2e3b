package dev.peephole.agent.bootstrap;

/**
 * The only agent class woven code refers to. It sits on the bootstrap class path (so that code in
 * every class loader, the JDK's too, can see it) and forwards to the {@link Dispatcher} the agent
 * installs. Every method swallows every throwable: nothing the agent does may reach the app.
 */
public final class Bridge {
    private static volatile Dispatcher dispatcher;
    private static volatile Throwable lastError;

    private Bridge() {
    }

    public static void install(Dispatcher d) {
        dispatcher = d;
    }

    public static Dispatcher dispatcher() {
        return dispatcher;
    }

    /** The last error swallowed here, for the agent's diagnostics (tests, debug log). */
    public static Throwable lastError() {
        return lastError;
    }

    @NotInlined
    public static Object enter(int methodId, Object self, Object[] args) {
        Dispatcher d = dispatcher;
        if (d == null) {
            return null;
        }
        try {
            return d.enter(methodId, self, args);
        } catch (Throwable t) {
            lastError = t;
            return null;
        }
    }

    @NotInlined
    public static void exit(Object token, Object returned, Throwable thrown) {
        if (token == null) {
            return;
        }
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        try {
            d.exit(token, returned, thrown);
        } catch (Throwable t) {
            lastError = t;
        }
    }

    @NotInlined
    public static Object enterHttp(Object handler, Object exchange) {
        Dispatcher d = dispatcher;
        if (d == null) {
            return null;
        }
        try {
            return d.enterHttp(handler, exchange);
        } catch (Throwable t) {
            lastError = t;
            return null;
        }
    }

    @NotInlined
    public static void exitHttp(Object token, Object exchange, Throwable thrown) {
        if (token == null) {
            return;
        }
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        try {
            d.exitHttp(token, exchange, thrown);
        } catch (Throwable t) {
            lastError = t;
        }
    }

    @NotInlined
    public static Runnable wrap(Runnable task) {
        Dispatcher d = dispatcher;
        if (d == null || task == null || task instanceof ContextTask) {
            return task;
        }
        try {
            return d.wrap(task);
        } catch (Throwable t) {
            lastError = t;
            return task;
        }
    }

    @NotInlined
    public static boolean enqueue(Object item) {
        Dispatcher d = dispatcher;
        if (d == null || item == null || item instanceof ContextTask) {
            return false;
        }
        try {
            return d.enqueue(item);
        } catch (Throwable t) {
            lastError = t;
            return false;
        }
    }

    @NotInlined
    public static void enqueueFailed(Object item) {
        Dispatcher d = dispatcher;
        if (d == null || item == null) {
            return;
        }
        try {
            d.enqueueFailed(item);
        } catch (Throwable t) {
            lastError = t;
        }
    }

    @NotInlined
    public static void dequeued(Object item) {
        Dispatcher d = dispatcher;
        if (d == null) {
            return;
        }
        try {
            d.dequeued(item);
        } catch (Throwable t) {
            lastError = t;
        }
    }
}
