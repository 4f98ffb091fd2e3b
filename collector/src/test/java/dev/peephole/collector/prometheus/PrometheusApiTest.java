package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.storage.RollupMaintainer;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestAgent;
import dev.peephole.collector.support.TestDatabase;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.Label;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Prometheus' query API over series ingested through the agent protocol. Expected
 * values are worked out by hand from the series below.
 */
class PrometheusApiTest {

    private static final String ADMIN = Http.basic("admin", TestDatabase.ADMIN_PASSWORD);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EmbeddedServer server;
    private static Http http;
    /** Minute-aligned start of the data, 20 minutes ago. */
    private static final long T0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(20, ChronoUnit.MINUTES).toEpochMilli();

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "pt");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.rollup.interval", "0s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        int port = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
        // frames.processed (counter): front grows 1/s, back 2/s, a sample every 10 s for 15 minutes.
        // room.temperature (gauge, Cel): 21.5 constantly.
        MetricSeries.Builder front = counter("front");
        MetricSeries.Builder back = counter("back");
        MetricSeries.Builder temp = MetricSeries.newBuilder().setName("room.temperature").setUnit("Cel")
                .setDescription("temperature at the door").setType(MetricType.METRIC_TYPE_GAUGE);
        // hall.temperature: the same, for the rollup test, which deletes its raw points.
        MetricSeries.Builder hall = MetricSeries.newBuilder().setName("hall.temperature").setUnit("Cel")
                .setType(MetricType.METRIC_TYPE_GAUGE);
        for (int i = 0; i <= 90; i++) {
            long t = (T0 + i * 10_000L) * 1_000_000L;
            front.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(i * 10));
            back.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(i * 20));
            temp.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(21.5));
            hall.addPoints(NumberPoint.newBuilder().setTimeUnixNano(t).setValue(21.5));
        }
        try (TestAgent agent = new TestAgent(port, "pt", "cam-1")) {
            agent.sendHello("doorbell");
            agent.next(20);
            agent.sendBatch(Batch.newBuilder().setSequence(1).addMetrics(front).addMetrics(back).addMetrics(temp).addMetrics(hall).build());
            assertThat(agent.next(20).getAck().getAcceptedPoints()).isEqualTo(364);
        }
    }

    private static MetricSeries.Builder counter(String camera) {
        return MetricSeries.newBuilder().setName("frames.processed").setUnit("{frame}")
                .setDescription("frames analysed").setType(MetricType.METRIC_TYPE_COUNTER)
                .addLabels(Label.newBuilder().setName("camera").setValue(camera));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String q(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String sec(long ms) {
        return Long.toString(ms / 1000);
    }

    private static JsonNode get(String path, int status) throws Exception {
        HttpResponse<String> r = http.get(path, ADMIN);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(status);
        return JSON.readTree(r.body());
    }

    @Test
    void instantQueriesGiveHandComputedAnswers() throws Exception {
        long t = T0 + 5 * 60_000;
        JsonNode temp = get("/api/v1/query?query=" + q("room_temperature_celsius") + "&time=" + sec(t), 200);
        assertThat(temp.get("status").asText()).isEqualTo("success");
        assertThat(temp.at("/data/resultType").asText()).isEqualTo("vector");
        JsonNode sample = temp.at("/data/result/0");
        assertThat(sample.at("/metric/__name__").asText()).isEqualTo("room_temperature_celsius");
        assertThat(sample.at("/metric/service_name").asText()).isEqualTo("doorbell");
        assertThat(sample.at("/metric/instance").asText()).isEqualTo("cam-1");
        assertThat(sample.at("/value/0").asLong()).isEqualTo(t / 1000);
        assertThat(sample.at("/value/1").asText()).isEqualTo("21.5");

        // Counter samples every 10 s growing by 10: rate over a minute is exactly 1/s (front) and 2/s (back).
        JsonNode rate = get("/api/v1/query?query=" + q("rate(frames_processed_total{camera=\"front\"}[1m])")
                + "&time=" + sec(t), 200);
        assertThat(rate.at("/data/result/0/value/1").asText()).isEqualTo("1");
        assertThat(rate.at("/data/result/0/metric/__name__").isMissingNode()).isTrue();
        JsonNode sum = get("/api/v1/query?query=" + q("sum by (service_name) (rate(frames_processed_total[1m]))")
                + "&time=" + sec(t), 200);
        assertThat(sum.at("/data/result/0/metric").toString()).isEqualTo("{\"service_name\":\"doorbell\"}");
        assertThat(sum.at("/data/result/0/value/1").asText()).isEqualTo("3");
        // increase over 5 m = 300 frames (front); the back camera doubles it.
        JsonNode inc = get("/api/v1/query?query=" + q("increase(frames_processed_total{camera=~\"b.*\"}[5m])")
                + "&time=" + sec(t), 200);
        assertThat(inc.at("/data/result/0/value/1").asText()).isEqualTo("600");
        JsonNode cmp = get("/api/v1/query?query=" + q("frames_processed_total > bool 2000") + "&time=" + sec(t), 200);
        assertThat(cmp.at("/data/result").size()).isEqualTo(2);
        JsonNode scalar = get("/api/v1/query?query=" + q("1 + 2 * 3") + "&time=" + sec(t), 200);
        assertThat(scalar.at("/data/resultType").asText()).isEqualTo("scalar");
        assertThat(scalar.at("/data/result/1").asText()).isEqualTo("7");
        // Six minutes after the last sample, nothing is left within the 5 m lookback.
        JsonNode stale = get("/api/v1/query?query=room_temperature_celsius&time=" + sec(T0 + 21 * 60_000), 200);
        assertThat(stale.at("/data/result").size()).isZero();
    }

    @Test
    void postFormQueriesAndRangeQueries() throws Exception {
        long t = T0 + 5 * 60_000;
        HttpResponse<String> post = http.postForm("/api/v1/query", ADMIN,
                "query=" + q("max(room_temperature_celsius)") + "&time=" + sec(t));
        assertThat(post.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(post.body()).at("/data/result/0/value/1").asText()).isEqualTo("21.5");

        JsonNode range = get("/api/v1/query_range?query=" + q("rate(frames_processed_total{camera=\"front\"}[1m])")
                + "&start=" + sec(T0 + 120_000) + "&end=" + sec(T0 + 180_000) + "&step=15s", 200);
        assertThat(range.at("/data/resultType").asText()).isEqualTo("matrix");
        JsonNode values = range.at("/data/result/0/values");
        assertThat(values.size()).isEqualTo(5);
        assertThat(values.get(0).get(0).asLong()).isEqualTo((T0 + 120_000) / 1000);
        for (JsonNode v : values) {
            assertThat(v.get(1).asText()).isEqualTo("1");
        }
    }

    @Test
    void rangeQueriesWithMinuteStepsReadTheRollups() throws Exception {
        if (TestDatabase.isTimescale()) {
            // The test server runs no background jobs: materialise the continuous aggregates by hand.
            try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
                 Statement s = c.createStatement()) {
                s.execute("CALL refresh_continuous_aggregate('metric_rollup_1m', NULL, NULL)");
                s.execute("CALL refresh_continuous_aggregate('metric_rollup_1h', NULL, NULL)");
            }
        } else {
            server.getApplicationContext().getBean(RollupMaintainer.class).runOnce(Instant.now());
        }
        String query = "&start=" + sec(T0 + 180_000) + "&end=" + sec(T0 + 600_000) + "&step=60";
        JsonNode viaRollups = get("/api/v1/query_range?query=" + q("rate(frames_processed_total{camera=\"front\"}[2m])") + query, 200);
        JsonNode values = viaRollups.at("/data/result/0/values");
        assertThat(values.size()).isEqualTo(8);
        for (JsonNode v : values) {
            assertThat(v.get(1).asText()).isEqualTo("1");
        }
        // Proof that the minute step reads the rollups: with the raw points of the gauge gone,
        // a 60 s step still has its values, a 30 s step no longer does.
        try (Connection c = server.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM metric_points WHERE series_id IN "
                    + "(SELECT id FROM metric_series WHERE metric_name = 'hall_temperature_celsius')");
        }
        JsonNode minute = get("/api/v1/query_range?query=hall_temperature_celsius" + query, 200);
        assertThat(minute.at("/data/result/0/values").size()).isEqualTo(8);
        assertThat(minute.at("/data/result/0/values/0/1").asText()).isEqualTo("21.5");
        JsonNode raw = get("/api/v1/query_range?query=hall_temperature_celsius&start=" + sec(T0 + 180_000)
                + "&end=" + sec(T0 + 600_000) + "&step=30", 200);
        assertThat(raw.at("/data/result").size()).isZero();
    }

    @Test
    void seriesLabelsValuesMetadataAndBuildInfo() throws Exception {
        JsonNode series = get("/api/v1/series?match[]=" + q("frames_processed_total"), 200);
        assertThat(series.at("/data").size()).isEqualTo(2);
        assertThat(series.at("/data/0/camera").asText()).isEqualTo("back");
        JsonNode labels = get("/api/v1/labels", 200);
        assertThat(labels.at("/data").toString()).contains("\"__name__\"").contains("\"camera\"").contains("\"instance\"");
        JsonNode names = get("/api/v1/label/__name__/values", 200);
        assertThat(names.at("/data").toString()).contains("frames_processed_total").contains("room_temperature_celsius");
        JsonNode cameras = get("/api/v1/label/camera/values", 200);
        assertThat(cameras.at("/data").toString()).isEqualTo("[\"back\",\"front\"]");
        JsonNode meta = get("/api/v1/metadata?metric=frames_processed_total", 200);
        assertThat(meta.at("/data/frames_processed_total/0/type").asText()).isEqualTo("counter");
        assertThat(meta.at("/data/frames_processed_total/0/help").asText()).isEqualTo("frames analysed");
        JsonNode build = get("/api/v1/status/buildinfo", 200);
        assertThat(build.at("/data/version").asText()).isEqualTo("0.1.0-SNAPSHOT");
    }

    @Test
    void federationServesTheLatestSampleOfMatchingSeriesInTextFormat() throws Exception {
        long now = System.currentTimeMillis();
        int port = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
        try (TestAgent agent = new TestAgent(port, "pt", "cam-2")) {
            agent.sendHello("doorbell");
            agent.next(20);
            agent.sendBatch(Batch.newBuilder().setSequence(1).addMetrics(MetricSeries.newBuilder()
                    .setName("door.open").setType(MetricType.METRIC_TYPE_GAUGE)
                    .addLabels(Label.newBuilder().setName("door").setValue("front \"main\" \\ 1"))
                    .addPoints(NumberPoint.newBuilder().setTimeUnixNano((now - 2000) * 1_000_000L).setValue(0))
                    .addPoints(NumberPoint.newBuilder().setTimeUnixNano((now - 1000) * 1_000_000L).setValue(1)))
                    .build());
            assertThat(agent.next(20).hasAck()).isTrue();
        }
        HttpResponse<String> r = http.get("/federate?match[]=" + q("{__name__=\"door_open\"}"), ADMIN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(r.body()).isEqualTo("# TYPE door_open untyped\n"
                + "door_open{door=\"front \\\"main\\\" \\\\ 1\",host_name=\"test-host\",instance=\"cam-2\","
                + "service_name=\"doorbell\"} 1 " + (now - 1000) + "\n");
        assertThat(http.get("/federate", ADMIN).statusCode()).isEqualTo(400);
        assertThat(http.get("/federate?match[]=" + q("door_open"), null).statusCode()).isEqualTo(401);
    }

    @Test
    void wrongRequestsAre400WithPrometheusErrors() throws Exception {
        JsonNode noQuery = get("/api/v1/query", 400);
        assertThat(noQuery.get("errorType").asText()).isEqualTo("bad_data");
        assertThat(noQuery.get("error").asText()).isEqualTo("invalid parameter \"query\": missing");
        JsonNode parse = get("/api/v1/query?query=" + q("sum(rate(x[5m])"), 400);
        assertThat(parse.get("error").asText()).isEqualTo("1:16: parse error: unclosed left parenthesis");
        assertThat(get("/api/v1/query?query=up&time=tomorrow", 400).get("error").asText()).contains("\"time\"");
        String range = "/api/v1/query_range?query=up&start=" + sec(T0);
        assertThat(get(range + "&end=" + sec(T0 - 60_000) + "&step=15", 400).get("error").asText())
                .contains("end timestamp must not be before start time");
        assertThat(get(range + "&end=" + sec(T0 + 60_000) + "&step=soon", 400).get("error").asText()).contains("\"step\"");
        assertThat(get(range + "&end=" + sec(T0 + 60_000) + "&step=0", 400).get("error").asText()).contains("step");
        assertThat(get(range + "&end=" + sec(T0 + 86_400_000) + "&step=1", 400).get("error").asText())
                .contains("11,000 points");
        assertThat(get("/api/v1/series", 400).get("error").asText()).contains("no match[]");
        assertThat(get("/api/v1/series?match[]=" + q("{camera=~\".*\"}"), 400).get("error").asText())
                .contains("non-empty matcher");
        assertThat(get("/api/v1/label/bad-name/values", 400).get("errorType").asText()).isEqualTo("bad_data");
        JsonNode exec = get("/api/v1/query?query=" + q("frames_processed_total + on() frames_processed_total")
                + "&time=" + sec(T0 + 60_000), 422);
        assertThat(exec.get("errorType").asText()).isEqualTo("execution");
    }
}
