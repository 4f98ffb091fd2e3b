package dev.peephole.doorbell.api;

import com.sun.net.httpserver.HttpServer;
import dev.peephole.doorbell.events.EventStore;
import dev.peephole.doorbell.events.EventType;
import dev.peephole.doorbell.vision.Gallery;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The doorbell's HTTP API, JSON only, on the JDK's HTTP server with a small thread pool.
 * <ul>
 *   <li>{@code GET /api/health}: {@code {"status":"UP","framesProcessed":n,"uptimeSeconds":n}},
 *       or 503 with status DOWN when the pipeline is not running;</li>
 *   <li>{@code GET /api/events?limit=50&type=STRANGER}: the most recent events, newest first;
 *       {@code limit} 1..1000 (default 50), {@code type} one of {@link EventType};</li>
 *   <li>{@code GET /api/people}: the enrolled people with their roles.</li>
 * </ul>
 * Unknown paths answer 404, other methods than GET 405, bad or unknown parameters 400; every
 * error has a JSON body with {@code status}, {@code error} and {@code message}. Requests are
 * served by {@link ApiHandler}.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ApiServer.class.getName());

    static final int THREADS = 4;

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private volatile boolean started;

    /**
     * Binds the server; {@link #start()} begins serving.
     *
     * @param port 0 for an ephemeral port
     */
    public ApiServer(String host, int port, EventStore events, Gallery gallery, StatusSource status) throws IOException {
        this.server = HttpServer.create(new InetSocketAddress(host, port), 50);
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new ArrayBlockingQueue<>(100),
                r -> {
                    Thread t = new Thread(r, "http-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
        server.setExecutor(executor);
        server.createContext("/", new ApiHandler(events, gallery, status));
    }

    public void start() {
        server.start();
        started = true;
        LOG.info("HTTP API listening on " + server.getAddress());
    }

    /** The port actually bound (useful with port 0). */
    public int getPort() {
        return server.getAddress().getPort();
    }

    /** Stops accepting, gives running exchanges up to a second, and stops the pool. */
    @Override
    public void close() {
        if (started) {
            started = false;
            server.stop(1);
        }
        executor.shutdown();
        try {
            if (!executor.awaitTermination(2, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
