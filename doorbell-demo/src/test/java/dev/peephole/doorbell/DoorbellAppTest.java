package dev.peephole.doorbell;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole app, in-process, on an ephemeral loopback port. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DoorbellAppTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DoorbellApp app;
    private static HttpClient http;
    private static String base;

    @BeforeAll
    static void startApp() throws Exception {
        app = DoorbellApp.start(new AppConfig(0, 20, 42, "127.0.0.1"));
        base = "http://127.0.0.1:" + app.getHttpPort();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        // run for about three seconds; give a slow machine a little longer to produce events
        Thread.sleep(3000);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (app.getEvents().size() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    @AfterAll
    static void stopApp() {
        if (app != null) {
            app.close();
        }
    }

    private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                response.headers().toString());
        return JSON.readTree(response.body());
    }

    private static void assertError(HttpResponse<String> response, int status) throws IOException {
        assertEquals(status, response.statusCode(), response.body());
        JsonNode body = json(response);
        assertEquals(status, body.get("status").asInt());
        assertTrue(body.get("message").asText().length() > 5, response.body());
    }

    @Test
    void healthReportsRealCounters() throws Exception {
        HttpResponse<String> r = get("/api/health");
        assertEquals(200, r.statusCode());
        JsonNode body = json(r);
        assertEquals("UP", body.get("status").asText());
        long frames = body.get("framesProcessed").asLong();
        assertTrue(frames >= 20, r.body());
        assertTrue(body.get("uptimeSeconds").asLong() >= 2, r.body());
        Thread.sleep(500);
        assertTrue(json(get("/api/health")).get("framesProcessed").asLong() > frames, "frames keep coming");
    }

    @Test
    void eventsAreListedNewestFirstAndFiltered() throws Exception {
        HttpResponse<String> r = get("/api/events");
        assertEquals(200, r.statusCode());
        JsonNode body = json(r);
        JsonNode events = body.get("events");
        assertTrue(events.size() > 0, "the app produced events: " + r.body());
        assertEquals(events.size(), body.get("count").asInt());
        Set<String> types = new HashSet<>();
        long previous = Long.MAX_VALUE;
        for (JsonNode e : events) {
            assertTrue(e.get("id").asLong() < previous);
            previous = e.get("id").asLong();
            types.add(e.get("type").asText());
            assertTrue(e.has("time") && e.has("personName") && e.has("confidence") && e.has("frameId"), e.toString());
            double c = e.get("confidence").asDouble();
            assertTrue(c >= 0 && c <= 1, e.toString());
        }
        String type = types.iterator().next();
        JsonNode filtered = json(get("/api/events?limit=1&type=" + type.toLowerCase()));
        assertEquals(1, filtered.get("events").size());
        assertEquals(type, filtered.get("events").get(0).get("type").asText());
    }

    @Test
    void peopleListsTheGallery() throws Exception {
        HttpResponse<String> r = get("/api/people");
        assertEquals(200, r.statusCode());
        JsonNode people = json(r).get("people");
        assertEquals(8, people.size());
        Set<String> roles = new HashSet<>();
        for (JsonNode p : people) {
            roles.add(p.get("role").asText());
            assertTrue(p.get("id").asText().length() > 0 && p.get("name").asText().length() > 0);
        }
        assertEquals(Set.of("resident", "visitor", "blacklisted"), roles);
    }

    @Test
    void badRequestsGetJsonErrors() throws Exception {
        assertError(get("/api/events?limit=0"), 400);
        assertError(get("/api/events?limit=abc"), 400);
        assertError(get("/api/events?limit=1001"), 400);
        assertError(get("/api/events?type=PARCEL"), 400);
        assertError(get("/api/events?colour=red"), 400);
        assertError(get("/api/events?limit=1&limit=2"), 400);
        assertError(get("/api/people?role=x"), 400);
        assertError(get("/api/nothing-here"), 404);
        assertError(get("/"), 404);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/api/events"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertError(post, 405);
        assertEquals("GET", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void shutsDownWithinTenSecondsAndStopsListening() throws Exception {
        DoorbellApp second = DoorbellApp.start(new AppConfig(0, 20, 5, "127.0.0.1"));
        int port = second.getHttpPort();
        Thread.sleep(500);
        long t0 = System.nanoTime();
        second.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(millis < 10_000, "close took " + millis + " ms");
        second.close(); // idempotent
        assertTrue(!second.isRunning());
        assertThrows(ConnectException.class, () -> http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health")).build(),
                HttpResponse.BodyHandlers.ofString()));
    }
}
