package dev.peephole.collector.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.support.DoorbellAgentData;
import dev.peephole.collector.support.Http;
import dev.peephole.collector.support.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Grafana provisioning in {@code deploy/grafana/}: its two data sources point at the
 * collector, and every query of every dashboard panel, with Grafana's {@code $__interval},
 * {@code $__rate_interval}, {@code $__range} and the template variables filled in the way
 * Grafana fills them, answers with data from a collector holding half an hour of what the
 * agent sends from the doorbell demo: Prometheus panels through {@code /api/v1/query_range},
 * Jaeger panels through the Jaeger API calls Grafana's Jaeger data source makes.
 * (Grafana itself is not installable here; this test plays its part.) It passes on the
 * TimescaleDB test server too ({@code -Dpeephole.test.db=timescaledb}) but is not in that
 * surefire run: it stores the agent's real metric names, which on the one shared TimescaleDB
 * would eat into {@code AgentIngestTest}'s limit of 3 series per metric.
 */
class GrafanaDashboardsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String SERVICE = "doorbell-grafana";
    private static final String AGENT = "grafana-agent";
    /** Grafana's maxDataPoints for a panel about 1000 pixels wide. */
    private static final int MAX_DATA_POINTS = 1000;

    private static EmbeddedServer server;
    private static Http http;
    private static JsonNode prometheusSource;
    private static JsonNode jaegerSource;
    /** The Authorization header the data sources send, from their provisioned basic auth. */
    private static String auth;

    @BeforeAll
    static void start() throws Exception {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.putAll(TestDatabase.collectorProperties());
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "grafana-agent-token");
        props.put("peephole.admin.password", TestDatabase.ADMIN_PASSWORD);
        props.put("peephole.security.counter.interval", "1s");
        server = ApplicationContext.run(EmbeddedServer.class, props);
        http = new Http(server);
        int grpc = server.getApplicationContext().getBean(AgentGrpcServer.class).port();
        long[] accepted = DoorbellAgentData.send(grpc, "grafana-agent-token", AGENT, SERVICE, 30);
        assertThat(accepted[0]).isPositive();
        assertThat(accepted[1]).isEqualTo(180);

        // The data sources, with Grafana's $VARIABLE expansion from its environment.
        String text = Files.readString(DeployFiles.deploy().resolve("grafana/provisioning/datasources/peephole.yaml"))
                .replace("${COLLECTOR_URL}", server.getURL().toString())
                .replace("${PEEPHOLE_ADMIN_PASSWORD}", TestDatabase.ADMIN_PASSWORD);
        JsonNode sources = YAML.readTree(text).path("datasources");
        for (JsonNode s : sources) {
            if ("prometheus".equals(s.path("type").asText())) {
                prometheusSource = s;
            } else if ("jaeger".equals(s.path("type").asText())) {
                jaegerSource = s;
            }
        }
        assertThat(prometheusSource).as("a Prometheus data source").isNotNull();
        assertThat(jaegerSource).as("a Jaeger data source").isNotNull();
        assertThat(prometheusSource.path("basicAuth").asBoolean()).isTrue();
        auth = Http.basic(prometheusSource.path("basicAuthUser").asText(),
                prometheusSource.at("/secureJsonData/basicAuthPassword").asText());

        // The security counter writes every second: wait until each kind has a few samples.
        long deadline = System.currentTimeMillis() + 120_000;
        String q = "count_over_time(peephole_security_events_total{service_name=\"" + SERVICE + "\"}[1m]) >= 3";
        while (true) {
            JsonNode r = get("/api/v1/query?query=" + enc(q));
            if (r.at("/data/result").size() == 3) {
                break;
            }
            assertThat(System.currentTimeMillis()).as("security counter samples: " + r).isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.get(path, auth);
        assertThat(r.statusCode()).as(path + " -> " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static List<Path> dashboards() throws Exception {
        try (Stream<Path> files = Files.list(DeployFiles.deploy().resolve("grafana/dashboards"))) {
            return files.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    @Test
    void theDataSourcesPointAtTheCollectorAndTheDashboardProviderAtTheDashboards() throws Exception {
        assertThat(prometheusSource.path("url").asText()).isEqualTo(server.getURL().toString());
        assertThat(jaegerSource.path("url").asText()).isEqualTo(server.getURL().toString());
        assertThat(jaegerSource.path("basicAuth").asBoolean()).isTrue();
        assertThat(Http.basic(jaegerSource.path("basicAuthUser").asText(),
                jaegerSource.at("/secureJsonData/basicAuthPassword").asText())).isEqualTo(auth);
        // What Grafana asks when the Prometheus data source is saved and tested.
        assertThat(get("/api/v1/status/buildinfo").at("/data/version").asText()).isNotEmpty();
        assertThat(get("/api/v1/query?query=1%2B1").at("/data/result/1").asText()).isEqualTo("2");
        assertThat(get("/api/v1/metadata").at("/data/jvm_thread_count/0/type").asText()).isEqualTo("gauge");
        // ... and what it asks when the Jaeger one is.
        assertThat(JSON.convertValue(get("/api/services").path("data"), List.class)).contains(SERVICE);

        JsonNode providers = YAML.readTree(DeployFiles.deploy().resolve("grafana/provisioning/dashboards/peephole.yaml").toFile());
        assertThat(providers.at("/providers/0/type").asText()).isEqualTo("file");
        assertThat(providers.at("/providers/0/options/path").asText()).isNotEmpty();
        // Every dashboard names the provisioned data sources by uid and has a uid of its own.
        List<String> uids = new ArrayList<>();
        for (Path p : dashboards()) {
            JsonNode d = JSON.readTree(p.toFile());
            uids.add(d.path("uid").asText());
            for (JsonNode panel : panels(d)) {
                for (JsonNode t : panel.path("targets")) {
                    String uid = t.path("datasource").path("uid").asText(panel.path("datasource").path("uid").asText());
                    assertThat(uid).as(p + " " + panel.path("title")).isIn(prometheusSource.path("uid").asText(),
                            jaegerSource.path("uid").asText());
                }
            }
        }
        assertThat(uids).containsExactlyInAnyOrder("peephole-doorbell", "peephole-host-jvm", "peephole-security");
    }

    @Test
    void everyPrometheusPanelQueryAnswersWithDataAsGrafanaAsksIt() throws Exception {
        int queries = 0;
        for (Path p : dashboards()) {
            JsonNode d = JSON.readTree(p.toFile());
            TimeRange range = TimeRange.of(d.path("time"));
            Map<String, String> vars = variables(d, range);
            for (JsonNode panel : panels(d)) {
                for (JsonNode t : panel.path("targets")) {
                    if (!isPrometheus(panel, t)) {
                        continue;
                    }
                    String expr = interpolate(t.path("expr").asText(), vars, range);
                    String what = p.getFileName() + " / " + panel.path("title").asText() + " / " + t.path("refId").asText()
                            + ": " + expr;
                    assertThat(expr).as(what).doesNotContain("$");
                    HttpResponse<String> r = http.postForm("/api/v1/query_range", auth, "query=" + enc(expr)
                            + "&start=" + range.startSec + "&end=" + range.endSec + "&step=" + range.intervalSec);
                    assertThat(r.statusCode()).as(what + " -> " + r.body()).isEqualTo(200);
                    JsonNode body = JSON.readTree(r.body());
                    assertThat(body.path("status").asText()).as(what).isEqualTo("success");
                    assertThat(body.at("/data/resultType").asText()).as(what).isEqualTo("matrix");
                    JsonNode result = body.at("/data/result");
                    assertThat(result.size()).as(what + " has no series").isPositive();
                    boolean finite = false;
                    for (JsonNode series : result) {
                        for (JsonNode v : series.path("values")) {
                            double x = Double.parseDouble(v.get(1).asText());
                            finite |= !Double.isNaN(x) && !Double.isInfinite(x);
                        }
                    }
                    assertThat(finite).as(what + " has no finite value: " + result).isTrue();
                    // A panel's legend names labels its series really have.
                    Matcher legend = Pattern.compile("\\{\\{\\s*(\\w+)\\s*}}").matcher(t.path("legendFormat").asText());
                    while (legend.find()) {
                        String label = legend.group(1);
                        assertThat(result.get(0).path("metric").has(label)).as(what + " legend label " + label).isTrue();
                    }
                    queries++;
                }
            }
        }
        assertThat(queries).isGreaterThanOrEqualTo(25);
    }

    @Test
    void everyJaegerPanelFindsTracesAsGrafanasJaegerDataSourceAsksForThem() throws Exception {
        int panels = 0;
        for (Path p : dashboards()) {
            JsonNode d = JSON.readTree(p.toFile());
            TimeRange range = TimeRange.of(d.path("time"));
            Map<String, String> vars = variables(d, range);
            for (JsonNode panel : panels(d)) {
                for (JsonNode t : panel.path("targets")) {
                    if (isPrometheus(panel, t)) {
                        continue;
                    }
                    String what = p.getFileName() + " / " + panel.path("title").asText();
                    assertThat(t.path("queryType").asText()).as(what).isEqualTo("search");
                    String service = vars.getOrDefault(t.path("service").asText().replace("$", ""), t.path("service").asText());
                    String operation = t.path("operation").asText();
                    // The search form's drop-downs.
                    assertThat(JSON.convertValue(get("/api/services").path("data"), List.class)).as(what).contains(service);
                    assertThat(JSON.convertValue(get("/api/services/" + enc(service) + "/operations").path("data"), List.class))
                            .as(what).contains(operation);
                    // The search: tags in logfmt become Jaeger's JSON object; times in microseconds.
                    Map<String, String> tags = new LinkedHashMap<>();
                    for (String pair : t.path("tags").asText().trim().split("\\s+")) {
                        if (!pair.isEmpty()) {
                            tags.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
                        }
                    }
                    String query = "/api/traces?service=" + enc(service) + "&operation=" + enc(operation)
                            + "&start=" + range.startSec * 1_000_000 + "&end=" + range.endSec * 1_000_000
                            + "&limit=" + t.path("limit").asInt(20)
                            + (tags.isEmpty() ? "" : "&tags=" + enc(JSON.writeValueAsString(tags)));
                    JsonNode traces = get(query).path("data");
                    assertThat(traces.size()).as(what + ": " + query).isPositive();
                    for (JsonNode trace : traces) {
                        boolean found = false;
                        for (JsonNode span : trace.path("spans")) {
                            if (operation.equals(span.path("operationName").asText())) {
                                found = true;
                                for (Map.Entry<String, String> tag : tags.entrySet()) {
                                    boolean has = false;
                                    for (JsonNode kv : span.path("tags")) {
                                        has |= tag.getKey().equals(kv.path("key").asText())
                                                && tag.getValue().equals(kv.path("value").asText());
                                    }
                                    assertThat(has).as(what + " tag " + tag).isTrue();
                                }
                            }
                        }
                        assertThat(found).as(what + ": " + trace).isTrue();
                    }
                    // Opening one: the whole trace, every span of the frame.
                    String id = traces.get(0).path("traceID").asText();
                    JsonNode one = get("/api/traces/" + id).path("data");
                    assertThat(one.get(0).path("spans").size()).as(what).isEqualTo(6);
                    assertThat(one.get(0).path("processes").findValuesAsText("serviceName")).containsOnly(SERVICE);
                    // The node graph's call.
                    assertThat(get("/api/dependencies?endTs=" + range.endSec * 1000 + "&lookback=" + (range.endSec - range.startSec) * 1000)
                            .has("data")).isTrue();
                    panels++;
                }
            }
        }
        assertThat(panels).isEqualTo(2);
    }

    // ------------------------------------------------------------------ Grafana's part

    private static boolean isPrometheus(JsonNode panel, JsonNode target) {
        String type = target.path("datasource").path("type").asText(panel.path("datasource").path("type").asText());
        return "prometheus".equals(type);
    }

    /** Every panel, those inside rows too. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** A dashboard's time range and the intervals Grafana derives from it. */
    record TimeRange(long startSec, long endSec, long intervalSec, long rateIntervalSec) {
        static TimeRange of(JsonNode time) {
            long end = System.currentTimeMillis() / 1000;
            Matcher m = Pattern.compile("now-(\\d+)([mhd])").matcher(time.path("from").asText("now-1h"));
            assertThat(m.matches()).as("dashboard time " + time).isTrue();
            long unit = switch (m.group(2)) {
                case "m" -> 60;
                case "h" -> 3600;
                default -> 86400;
            };
            long start = end - Long.parseLong(m.group(1)) * unit;
            // $__interval: the range over maxDataPoints, rounded as Grafana rounds it, at least the
            // data source's timeInterval (its min interval); $__rate_interval: max($__interval + scrape, 4 * scrape).
            long scrape = parseSeconds(prometheusSource.at("/jsonData/timeInterval").asText("15s"));
            long interval = Math.max(scrape, round((end - start) * 1000.0 / MAX_DATA_POINTS) / 1000);
            return new TimeRange(start, end, interval, Math.max(interval + scrape, 4 * scrape));
        }

        /** Grafana's roundInterval (kbn.roundInterval), in milliseconds, for intervals of a second and more. */
        private static long round(double ms) {
            long[][] table = {{1500, 1000}, {3500, 2000}, {7500, 5000}, {12500, 10000}, {17500, 15000}, {25000, 20000},
                    {45000, 30000}, {90000, 60000}, {210000, 120000}, {450000, 300000}, {750000, 600000},
                    {1050000, 900000}, {1500000, 1200000}, {2700000, 1800000}, {5400000, 3600000}};
            for (long[] row : table) {
                if (ms <= row[0]) {
                    return row[1];
                }
            }
            return 7200000;
        }
    }

    private static long parseSeconds(String s) {
        Matcher m = Pattern.compile("(\\d+)([smh])").matcher(s);
        assertThat(m.matches()).as(s).isTrue();
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> n;
            case "m" -> n * 60;
            default -> n * 3600;
        };
    }

    /**
     * The template variables, in order: {@code label_values(selector, label)} asks the label
     * values API with the selector as {@code match[]} (as Grafana does with Prometheus 2.24
     * and later); a multi-value variable with "All" selected becomes the regex {@code (a|b)}
     * of its escaped values, a single-value one the service under test.
     */
    private static Map<String, String> variables(JsonNode dashboard, TimeRange range) throws Exception {
        Map<String, String> vars = new LinkedHashMap<>();
        for (JsonNode v : dashboard.at("/templating/list")) {
            assertThat(v.path("type").asText()).isEqualTo("query");
            String q = v.path("query").isObject() ? v.at("/query/query").asText() : v.path("query").asText();
            Matcher m = Pattern.compile("label_values\\((?:(.*),\\s*)?(\\w+)\\)").matcher(q);
            assertThat(m.matches()).as("variable query " + q).isTrue();
            String path = "/api/v1/label/" + m.group(2) + "/values?start=" + range.startSec + "&end=" + range.endSec;
            if (m.group(1) != null) {
                path += "&match[]=" + enc(interpolate(m.group(1), vars, range));
            }
            List<String> values = new ArrayList<>();
            get(path).path("data").forEach(x -> values.add(x.asText()));
            assertThat(values).as("values of $" + v.path("name").asText() + " from " + path).isNotEmpty();
            values.sort(null);
            String value;
            if (v.path("multi").asBoolean() || v.path("includeAll").asBoolean()) {
                List<String> escaped = values.stream().map(GrafanaDashboardsTest::regexEscape).toList();
                value = escaped.size() == 1 ? escaped.get(0) : "(" + String.join("|", escaped) + ")";
            } else {
                // The user picks the doorbell app under test (other tests' apps share a TimescaleDB test database).
                value = values.contains(SERVICE) ? SERVICE : values.get(0);
            }
            vars.put(v.path("name").asText(), value);
        }
        assertThat(vars).containsKey("service");
        return vars;
    }

    /** Grafana's prometheusSpecialRegexEscape. */
    private static String regexEscape(String s) {
        return s.replaceAll("([\\\\^$*+?.()|{}\\[\\]])", "\\\\\\\\$1");
    }

    private static String interpolate(String expr, Map<String, String> vars, TimeRange range) {
        String out = expr.replace("$__rate_interval", range.rateIntervalSec + "s")
                .replace("$__interval_ms", Long.toString(range.intervalSec * 1000))
                .replace("$__interval", range.intervalSec + "s")
                .replace("$__range_s", Long.toString(range.endSec - range.startSec))
                .replace("$__range", (range.endSec - range.startSec) + "s");
        for (Map.Entry<String, String> v : vars.entrySet()) {
            out = out.replace("${" + v.getKey() + "}", v.getValue()).replace("$" + v.getKey(), v.getValue());
        }
        return out;
    }
}
