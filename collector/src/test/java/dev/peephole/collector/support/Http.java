package dev.peephole.collector.support;

import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Small JDK HttpClient helpers against a running collector. */
public final class Http {

    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private final EmbeddedServer server;

    public Http(EmbeddedServer server) {
        this.server = server;
    }

    /**
     * Polls {@code ready} (a collector's {@code /ready}) until it answers 200, the timeout passes or the
     * process exits (a collector that failed to start is not waited for); the last status, -1 if none
     * came.
     */
    public static int awaitReady(Process process, HttpClient client, URI ready, java.time.Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int status = -1;
        while (System.nanoTime() < deadline && status != 200 && process.isAlive()) {
            try {
                status = client.send(HttpRequest.newBuilder(ready).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (java.io.IOException notYet) {
                status = -1;
            }
            if (status != 200) {
                Thread.sleep(300);
            }
        }
        return status;
    }

    public static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> send(String method, String path, String authorization, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> postForm(String path, String authorization, String form) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.getURL() + path))
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .header("Content-Type", "application/x-www-form-urlencoded");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
