package dev.peephole.collector.notify;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A local HTTP receiver (JDK httpserver) recording every request it answers. */
final class LocalHttp implements AutoCloseable {

    record Request(String method, String path, String authorization, String contentType, String body) {
    }

    private final HttpServer server;
    private final java.util.concurrent.ExecutorService executor;
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();

    /** {@code answer} gives the status and body for a request. */
    LocalHttp(Function<Request, Object[]> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "local-http-receiver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Request r = new Request(ex.getRequestMethod(), ex.getRequestURI().toString(),
                    ex.getRequestHeaders().getFirst("Authorization"), ex.getRequestHeaders().getFirst("Content-Type"), body);
            requests.add(r);
            Object[] a = answer.apply(r);
            byte[] out = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders((Integer) a[0], out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                ex.getResponseBody().write(out);
            }
            ex.close();
        });
        server.start();
    }

    static LocalHttp ok() throws IOException {
        return new LocalHttp(r -> new Object[] {200, ""});
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    Request next(long seconds) throws InterruptedException {
        Request r = requests.poll(seconds, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no request within " + seconds + " s");
        }
        return r;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
