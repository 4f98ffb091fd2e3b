package dev.peephole.collector.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;


/** POSTs JSON for the HTTP integrations (JDK HttpClient) and sorts failures into retryable or not. */
final class HttpPoster {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();

    private HttpPoster() {
    }

    /** Sends; returns the response body of a 2xx answer. */
    static String post(String url, String json, HttpAuth auth, Duration timeout) throws DeliveryException {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw new DeliveryException("bad URL: " + e.getMessage(), false);
        }
        b.timeout(timeout).header("Content-Type", "application/json").header("User-Agent", "Peephole")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
        String header = auth == null ? null : auth.header();
        if (header != null) {
            b.header("Authorization", header);
        }
        HttpResponse<String> r;
        try {
            r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new DeliveryException(e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("interrupted", false);
        }
        int code = r.statusCode();
        if (code / 100 == 2) {
            return r.body();
        }
        String body = r.body() == null ? "" : r.body();
        if (body.length() > 200) {
            body = body.substring(0, 200) + "...";
        }
        throw new DeliveryException("HTTP " + code + (body.isBlank() ? "" : ": " + body.strip()), code == 429 || code >= 500);
    }
}
