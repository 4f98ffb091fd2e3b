package dev.peephole.agent.bootstrap;

/**
 * What woven code calls, through {@link Bridge}. Implemented by the agent core (in the agent's
 * own class loader); every argument and result is a plain {@code Object} so that this interface,
 * which lives on the bootstrap class path, names no class of the agent's libraries.
 */
public interface Dispatcher {

    /** A woven method starts; returns a token for {@link #exit}, or null. */
    Object enter(int methodId, Object self, Object[] args);

    /** A woven method returns ({@code thrown} null) or throws. */
    void exit(Object token, Object returned, Throwable thrown);

    /** A {@code com.sun.net.httpserver.HttpHandler} starts handling an exchange. */
    Object enterHttp(Object handler, Object exchange);

    void exitHttp(Object token, Object exchange, Throwable thrown);

    /** A task handed to an executor: wrapped to carry the current trace context, or returned as is. */
    Runnable wrap(Runnable task);

    /** An item about to be put into a queue; true when its context was recorded. */
    boolean enqueue(Object item);

    /** The item could not be put into the queue after all. */
    void enqueueFailed(Object item);

    /** An item taken out of a queue: its recorded context becomes the thread's hand-off context. */
    void dequeued(Object item);
}
