package dev.peephole.collector.prometheus;

import dev.peephole.collector.http.ApiError;
import dev.peephole.collector.http.TimeParams;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.PromQLFormat;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.PromQLParser;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.SelectHints;
import dev.peephole.collector.promql.Series;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prometheus federation: the latest raw sample (within the lookback) of every series
 * matching any {@code match[]} selector, in the text exposition format, so a Prometheus
 * server can scrape the series Peephole ingested.
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
public class FederateController {

    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    private final StoredSeriesSource source;
    private final long lookbackMs;

    public FederateController(StoredSeriesSource source, Engine engine) {
        this.source = source;
        this.lookbackMs = engine.options().lookbackDeltaMs();
    }

    @Get("/federate")
    public MutableHttpResponse<?> federate(HttpRequest<?> request) {
        PromParams p = PromParams.of(request, null);
        List<String> selectors = p.all("match[]");
        if (selectors.isEmpty()) {
            return ApiError.badData("no match[] parameter provided");
        }
        long now = System.currentTimeMillis();
        // Series by name, each name's series once, as Prometheus groups them.
        Map<String, TreeMap<Labels, Sample>> byName = new TreeMap<>();
        for (String selector : selectors) {
            try {
                List<LabelMatcher> matchers = PromQLParser.parseSeriesSelector(selector);
                if (!PromQLParser.hasNonEmptyMatcher(matchers)) {
                    throw new TimeParams.BadParameter("match[] must contain at least one non-empty matcher");
                }
                for (Series series : source.select(matchers, new SelectHints(now - lookbackMs, now, 0, 0, ""))) {
                    int last = series.size() - 1;
                    Sample latest = new Sample(series.labels(), series.timestampsMs()[last], series.values()[last]);
                    byName.computeIfAbsent(series.labels().metricName(), k -> new TreeMap<>())
                            .putIfAbsent(series.labels(), latest);
                }
            } catch (PromQLParseException e) {
                return ApiError.badData("invalid parameter \"match[]\": " + e.getMessage());
            } catch (PromQLEvalException e) {
                return ApiError.response(io.micronaut.http.HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
            }
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, TreeMap<Labels, Sample>> e : byName.entrySet()) {
            out.append("# TYPE ").append(e.getKey()).append(" untyped\n");
            for (Sample s : e.getValue().values()) {
                out.append(e.getKey());
                List<String> pairs = new ArrayList<>();
                Labels l = s.labels();
                for (int i = 0; i < l.size(); i++) {
                    if (!l.name(i).equals(Labels.METRIC_NAME)) {
                        pairs.add(l.name(i) + "=\"" + escape(l.value(i)) + "\"");
                    }
                }
                if (!pairs.isEmpty()) {
                    out.append('{').append(String.join(",", pairs)).append('}');
                }
                out.append(' ').append(PromQLFormat.formatValue(s.v())).append(' ').append(s.tMs()).append('\n');
            }
        }
        return HttpResponse.ok(out.toString()).contentType(TEXT_FORMAT);
    }

    /** Label value escaping of the text format: backslash, double quote and line feed. */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

}
