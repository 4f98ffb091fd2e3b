package dev.peephole.collector.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The collector's logs in JSON mode: every line a collector writes while it starts, serves
 * requests (the access log) and logs an error parses as one JSON object with the fields;
 * secrets set in the settings never appear; text mode is plain text.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class LogFormatTest {

    private static final String ADMIN_PASSWORD = "log-admin-Secret-1";
    private static final String AGENT_TOKEN = "log-agent-Secret-2";
    private static final String DB_PASSWORD = "log-db-Secret-3";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Adds an appender with the collector's encoder in {@code format} to the root logger. */
    private static OutputStreamAppender<ILoggingEvent> capture(String format, ByteArrayOutputStream out) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        LogFormatEncoder encoder = new LogFormatEncoder();
        encoder.setFormat(format);
        encoder.setContext(context);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.setOutputStream(out);
        appender.setImmediateFlush(true);
        appender.start();
        context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
        return appender;
    }

    private static void release(OutputStreamAppender<ILoggingEvent> appender) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        appender.stop();
    }

    @Test
    void aCollectorInJsonModeWritesOneJsonObjectALineWithTheFieldsAndNoSecret() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = capture("json", out);
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        props.put("peephole.db.password", DB_PASSWORD);
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", AGENT_TOKEN);
        props.put("peephole.admin.password", ADMIN_PASSWORD);
        try (EmbeddedServer server = ApplicationContext.run(EmbeddedServer.class, props)) {
            Http http = new Http(server);
            String admin = Http.basic("admin", ADMIN_PASSWORD);
            assertThat(http.get("/api/v1/agents", admin).statusCode()).isEqualTo(200);
            assertThat(http.get("/api/v1/users", null).statusCode()).isEqualTo(401);
            assertThat(http.get("/api/v1/users", Http.basic("admin", "wrong-" + ADMIN_PASSWORD)).statusCode()).isEqualTo(401);
            // a token in a query string and in the Authorization header: neither is logged
            HttpResponse<String> withTrace = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create(server.getURL() + "/api/v1/query?query=up&token=" + AGENT_TOKEN))
                    .header("Authorization", admin)
                    .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(withTrace.statusCode()).isEqualTo(200);
            LoggerFactory.getLogger("dev.peephole.collector.logging.test").error("a failure with a cause",
                    new IllegalStateException("the cause"));
            Thread.sleep(200); // the access log line is written as the response goes out
        } finally {
            release(appender);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(ADMIN_PASSWORD).doesNotContain(AGENT_TOKEN).doesNotContain(DB_PASSWORD)
                .doesNotContain("Secret-");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            JsonNode node = JSON.readTree(line); // throws when a line is not JSON
            assertThat(node.isObject()).as(line).isTrue();
            for (String field : new String[] {"timestamp", "level", "loggerName", "threadName", "formattedMessage"}) {
                assertThat(node.has(field)).as(field + " in " + line).isTrue();
            }
            lines.add(node);
        }
        assertThat(lines.size()).isGreaterThan(5);

        List<JsonNode> access = lines.stream().filter(n -> n.get("loggerName").asText().equals(AccessLog.LOGGER)).toList();
        Map<String, String> agents = kvp(access.stream()
                .filter(n -> kvp(n).getOrDefault("route", "").equals("/api/v1/agents")).findFirst().orElseThrow());
        assertThat(agents).containsEntry("user", "admin").containsEntry("method", "GET").containsEntry("status", "200")
                .containsEntry("remote", "127.0.0.1").containsKey("duration_ms");
        assertThat(Double.parseDouble(agents.get("duration_ms"))).isGreaterThanOrEqualTo(0);
        assertThat(access.stream().map(LogFormatTest::kvp)
                .anyMatch(m -> m.get("status").equals("401") && m.get("user").equals("-"))).isTrue();
        JsonNode traced = access.stream().filter(n -> kvp(n).get("route").equals("/api/v1/query")).findFirst().orElseThrow();
        assertThat(traced.get("mdc").get("trace_id").asText()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
        assertThat(traced.get("mdc").get("span_id").asText()).isEqualTo("b7ad6b7169203331");

        JsonNode failure = lines.stream().filter(n -> n.get("formattedMessage").asText().equals("a failure with a cause"))
                .findFirst().orElseThrow();
        assertThat(failure.get("level").asText()).isEqualTo("ERROR");
        assertThat(failure.get("throwable").toString()).contains("IllegalStateException").contains("the cause");
    }

    @Test
    void textModeIsPlainTextAndAutoIsJsonWithoutATerminal() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OutputStreamAppender<ILoggingEvent> appender = capture("text", out);
        try {
            LoggerFactory.getLogger("dev.peephole.collector.logging.test").info("plain {}", "words");
        } finally {
            release(appender);
        }
        String line = out.toString(StandardCharsets.UTF_8).strip();
        assertThat(line).doesNotStartWith("{").contains(" INFO  [").endsWith("- plain words");
        // tests run without a terminal (System.console() is null), as containers do
        assertThat(System.console()).isNull();
        assertThat(LogFormatEncoder.resolve("auto")).isEqualTo("json");
        assertThat(LogFormatEncoder.resolve("TEXT")).isEqualTo("text");
    }

    /** The structured fields of a line (logback writes them as a list of one-key objects). */
    private static Map<String, String> kvp(JsonNode line) {
        Map<String, String> out = new HashMap<>();
        JsonNode list = line.get("kvpList");
        if (list == null) {
            return out;
        }
        if (list.isArray()) {
            list.forEach(o -> o.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText())));
        } else {
            list.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        }
        return out;
    }
}
