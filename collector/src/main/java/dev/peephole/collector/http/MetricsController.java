package dev.peephole.collector.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;

/** The collector's own metrics in Prometheus' text exposition format. */
@Controller
public class MetricsController {

    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";
    private final PrometheusMeterRegistry registry;

    public MetricsController(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    @Get("/metrics")
    public HttpResponse<String> metrics() {
        return HttpResponse.ok(registry.scrape()).contentType(TEXT_FORMAT);
    }
}
