package dev.peephole.collector.prometheus;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.PromQLParser;
import dev.peephole.collector.promql.PromQLTimeoutException;
import dev.peephole.collector.promql.QueryResult;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Prometheus' HTTP query API over the stored series: the same paths, parameters (GET
 * query string or POST form) and JSON, so Grafana's Prometheus data source works
 * against Peephole unchanged.
 */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class PrometheusApiController {

    /** Prometheus refuses range queries with more points than this per series. */
    static final long MAX_POINTS_PER_SERIES = 11_000;

    private final Engine engine;
    private final StoredSeries series;
    private final DataSource dataSource;

    public PrometheusApiController(Engine engine, StoredSeries series, ConnectionPool pool) {
        this.engine = engine;
        this.series = series;
        this.dataSource = pool.dataSource();
    }

    @Get("/query")
    public MutableHttpResponse<?> queryGet(HttpRequest<?> request) {
        return query(PromParams.of(request, null));
    }

    @Post("/query")
    @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.TEXT_PLAIN, MediaType.ALL})
    public MutableHttpResponse<?> queryPost(HttpRequest<?> request, @Nullable @Body String body) {
        return query(PromParams.of(request, body));
    }

    @Get("/query_range")
    public MutableHttpResponse<?> rangeGet(HttpRequest<?> request) {
        return queryRange(PromParams.of(request, null));
    }

    @Post("/query_range")
    @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.TEXT_PLAIN, MediaType.ALL})
    public MutableHttpResponse<?> rangePost(HttpRequest<?> request, @Nullable @Body String body) {
        return queryRange(PromParams.of(request, body));
    }

    @Get("/series")
    public MutableHttpResponse<?> seriesGet(HttpRequest<?> request) throws SQLException {
        return series(PromParams.of(request, null));
    }

    @Post("/series")
    @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.TEXT_PLAIN, MediaType.ALL})
    public MutableHttpResponse<?> seriesPost(HttpRequest<?> request, @Nullable @Body String body) throws SQLException {
        return series(PromParams.of(request, body));
    }

    @Get("/labels")
    public MutableHttpResponse<?> labelsGet(HttpRequest<?> request) throws SQLException {
        return labels(PromParams.of(request, null));
    }

    @Post("/labels")
    @Consumes({MediaType.APPLICATION_FORM_URLENCODED, MediaType.TEXT_PLAIN, MediaType.ALL})
    public MutableHttpResponse<?> labelsPost(HttpRequest<?> request, @Nullable @Body String body) throws SQLException {
        return labels(PromParams.of(request, body));
    }

    @Get("/label/{name}/values")
    public MutableHttpResponse<?> labelValues(HttpRequest<?> request, @PathVariable String name) throws SQLException {
        PromParams p = PromParams.of(request, null);
        if (!name.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
            return ApiError.badData("invalid label name: \"" + name + "\"");
        }
        TreeSet<String> values = new TreeSet<>();
        List<String> match = p.all("match[]");
        if (match.isEmpty() && name.equals("__name__")) {
            values.addAll(series.metricNames());
        } else if (match.isEmpty()) {
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT labels ->> ? FROM metric_series WHERE jsonb_exists(labels, ?)")) {
                ps.setString(1, name);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
            }
        } else {
            for (StoredSeries.Ref ref : matching(match)) {
                String v = ref.labels().get(name);
                if (v != null && !v.isEmpty()) {
                    values.add(v);
                }
            }
        }
        return json(PromJson.success(g -> {
            g.writeStartArray();
            for (String v : values) {
                g.writeString(v);
            }
            g.writeEndArray();
        }, List.of(), List.of()));
    }

    @Get("/metadata")
    public MutableHttpResponse<?> metadata(HttpRequest<?> request) throws SQLException {
        PromParams p = PromParams.of(request, null);
        String metric = p.get("metric");
        int limit = p.get("limit") == null ? Integer.MAX_VALUE : TimeParams.parsePositiveInt("limit", p.get("limit"), Integer.MAX_VALUE);
        Map<String, String[]> rows = new LinkedHashMap<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT metric_name, type, help, unit FROM metric_metadata WHERE (?::text IS NULL OR metric_name = ?) "
                        + "ORDER BY metric_name LIMIT ?")) {
            ps.setString(1, metric);
            ps.setString(2, metric);
            ps.setInt(3, limit);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getString(1), new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
                }
            }
        }
        return json(PromJson.success(g -> {
            g.writeStartObject();
            for (Map.Entry<String, String[]> e : rows.entrySet()) {
                g.writeArrayFieldStart(e.getKey());
                g.writeStartObject();
                g.writeStringField("type", e.getValue()[0]);
                g.writeStringField("help", e.getValue()[1]);
                g.writeStringField("unit", e.getValue()[2]);
                g.writeEndObject();
                g.writeEndArray();
            }
            g.writeEndObject();
        }, List.of(), List.of()));
    }

    @Get("/status/buildinfo")
    public MutableHttpResponse<?> buildInfo() {
        return json(PromJson.success(g -> {
            g.writeStartObject();
            g.writeStringField("application", "Peephole");
            g.writeStringField("version", BuildVersion.VERSION);
            g.writeStringField("revision", "");
            g.writeStringField("branch", "");
            g.writeStringField("buildUser", "");
            g.writeStringField("buildDate", "");
            g.writeStringField("goVersion", "");
            g.writeEndObject();
        }, List.of(), List.of()));
    }

    private MutableHttpResponse<?> query(PromParams p) {
        String q = p.required("query");
        long time = p.timeMs("time", System.currentTimeMillis());
        return evaluate(() -> engine.instantQuery(q, time));
    }

    private MutableHttpResponse<?> queryRange(PromParams p) {
        String q = p.required("query");
        long start = TimeParams.parseTime("start", p.required("start")).toEpochMilli();
        long end = TimeParams.parseTime("end", p.required("end")).toEpochMilli();
        long step = p.durationMs("step");
        if (end < start) {
            return ApiError.badData("invalid parameter \"end\": end timestamp must not be before start time");
        }
        if ((end - start) / step > MAX_POINTS_PER_SERIES) {
            return ApiError.badData("exceeded maximum resolution of 11,000 points per timeseries. "
                    + "Try decreasing the query resolution (?step=XX)");
        }
        return evaluate(() -> engine.rangeQuery(q, start, end, step));
    }

    private interface Query {
        QueryResult run();
    }

    private static MutableHttpResponse<?> evaluate(Query query) {
        QueryResult result;
        try {
            result = query.run();
        } catch (PromQLParseException e) {
            return ApiError.badData(e.getMessage());
        } catch (IllegalArgumentException e) {
            return ApiError.badData(e.getMessage());
        } catch (PromQLTimeoutException e) {
            return HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE).body(ApiError.of("timeout", e.getMessage()));
        } catch (PromQLEvalException e) {
            return HttpResponse.status(HttpStatus.UNPROCESSABLE_ENTITY).body(ApiError.of("execution", e.getMessage()));
        }
        QueryResult r = result;
        return json(PromJson.success(g -> PromJson.result(g, r), r.warnings(), r.infos()));
    }

    private MutableHttpResponse<?> series(PromParams p) throws SQLException {
        List<String> match = p.all("match[]");
        if (match.isEmpty()) {
            return ApiError.badData("no match[] parameter provided");
        }
        List<StoredSeries.Ref> refs = matching(match);
        String limitParam = p.get("limit");
        int limit = limitParam == null ? Integer.MAX_VALUE : TimeParams.parsePositiveInt("limit", limitParam, Integer.MAX_VALUE);
        List<StoredSeries.Ref> shown = refs.size() > limit ? refs.subList(0, limit) : refs;
        List<String> warnings = refs.size() > limit ? List.of("results truncated due to limit") : List.of();
        return json(PromJson.success(g -> {
            g.writeStartArray();
            for (StoredSeries.Ref r : shown) {
                PromJson.labels(g, r.labels());
            }
            g.writeEndArray();
        }, warnings, List.of()));
    }

    private MutableHttpResponse<?> labels(PromParams p) throws SQLException {
        TreeSet<String> names = new TreeSet<>();
        List<String> match = p.all("match[]");
        if (match.isEmpty()) {
            names.add("__name__");
            try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "SELECT DISTINCT jsonb_object_keys(labels) FROM metric_series");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        } else {
            for (StoredSeries.Ref r : matching(match)) {
                for (int i = 0; i < r.labels().size(); i++) {
                    names.add(r.labels().name(i));
                }
            }
        }
        return json(PromJson.success(g -> {
            g.writeStartArray();
            for (String n : names) {
                g.writeString(n);
            }
            g.writeEndArray();
        }, List.of(), List.of()));
    }

    /** The union of the series matching any of the selectors. */
    private List<StoredSeries.Ref> matching(List<String> selectors) throws SQLException {
        Map<Long, StoredSeries.Ref> out = new LinkedHashMap<>();
        for (String selector : selectors) {
            List<LabelMatcher> matchers;
            try {
                matchers = PromQLParser.parseSeriesSelector(selector);
            } catch (PromQLParseException e) {
                throw new TimeParams.BadParameter("invalid parameter \"match[]\": " + e.getMessage());
            }
            if (!PromQLParser.hasNonEmptyMatcher(matchers)) {
                throw new TimeParams.BadParameter("match[] must contain at least one non-empty matcher");
            }
            for (StoredSeries.Ref r : series.find(matchers)) {
                out.putIfAbsent(r.id(), r);
            }
        }
        List<StoredSeries.Ref> sorted = new ArrayList<>(out.values());
        sorted.sort((a, b) -> a.labels().compareTo(b.labels()));
        return sorted;
    }

    /** The answer as a composite buffer over its chunks: megabytes of JSON are never one array. */
    private static MutableHttpResponse<io.netty.buffer.ByteBuf> json(ChunkedBytes body) {
        return HttpResponse.ok(body.toByteBuf()).contentType(MediaType.APPLICATION_JSON_TYPE);
    }
}
