package dev.peephole.collector.export;

import dev.peephole.collector.util.DaemonThreads;
import dev.peephole.proto.v1.Hello;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.export.MemoryMode;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards every stored span over OTLP ({@code PEEPHOLE_OTLP_EXPORT_ENDPOINT}) with the
 * OpenTelemetry exporters, gRPC or HTTP/protobuf. Ingest only {@link #offer}s committed
 * spans to a bounded queue (counted in spans) and never waits: what does not fit is dropped
 * and counted. One export thread sends the queue in batches, up to four requests on the way
 * at once; the exporter retries a failed
 * request with backoff (its {@link RetryPolicy}); a batch that still fails is counted as
 * failed and the thread goes on with the next, so a dead receiver costs the queue's spans,
 * never ingest's time, and spans flow again as soon as it is back.
 */
@Singleton
public class SpanForwarder {

    private static final Logger LOG = LoggerFactory.getLogger(SpanForwarder.class);
    /** Past this, a stopping forwarder gives up on what is still queued. */
    private static final long FLUSH_ON_STOP_MILLIS = 5_000;
    private static final Duration MAX_RETRY_BACKOFF = Duration.ofSeconds(5);
    /** The exporters report failed requests through java.util.logging; this class logs them instead. */
    private static final java.util.logging.Logger EXPORTER_LOG =
            java.util.logging.Logger.getLogger("io.opentelemetry.exporter");

    private final OtlpExportSettings settings;
    private final SpanExporter exporter;
    private final BlockingQueue<ExportableSpans> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedSpans = new AtomicInteger();
    private final Thread thread;
    private final LongAdder exported = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder requestsOk = new LongAdder();
    private final LongAdder requestsFailed = new LongAdder();
    private volatile boolean running = true;
    private volatile long giveUpAtNanos = Long.MAX_VALUE;
    /** Whether the last request failed; failures are logged once until one succeeds again. */
    private final AtomicBoolean failing = new AtomicBoolean();
    /** Export requests on the way at most; each is bounded by the exporter's timeout and retries. */
    private static final int MAX_IN_FLIGHT = 4;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);

    public SpanForwarder(OtlpExportSettings settings, MeterRegistry meters) {
        this.settings = settings;
        count(meters, "peephole.otlp.export.spans", "spans forwarded over OTLP, by outcome", exported,
                "outcome", "exported");
        count(meters, "peephole.otlp.export.spans", "spans forwarded over OTLP, by outcome", failed,
                "outcome", "failed");
        count(meters, "peephole.otlp.export.spans", "spans forwarded over OTLP, by outcome", dropped,
                "outcome", "dropped");
        count(meters, "peephole.otlp.export.requests", "OTLP export requests (after the exporter's retries)",
                requestsOk, "outcome", "success");
        count(meters, "peephole.otlp.export.requests", "OTLP export requests (after the exporter's retries)",
                requestsFailed, "outcome", "failure");
        Gauge.builder("peephole.otlp.export.queue.spans", queuedSpans, AtomicInteger::get)
                .description("spans waiting to be forwarded over OTLP").register(meters);
        if (!settings.enabled()) {
            exporter = null;
            thread = null;
            return;
        }
        EXPORTER_LOG.setLevel(java.util.logging.Level.OFF);
        exporter = settings.protocol().equals(OtlpExportSettings.HTTP_PROTOBUF) ? httpExporter(settings)
                : grpcExporter(settings);
        thread = DaemonThreads.named("peephole-otlp-export", this::run);
        thread.start();
        LOG.info("Forwarding spans over OTLP ({}) to {}", settings.protocol(), settings.endpointForLogs());
    }

    private static void count(MeterRegistry meters, String name, String help, LongAdder adder, String... tags) {
        FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(help).tags(tags).register(meters);
    }

    private static RetryPolicy retryPolicy(OtlpExportSettings s) {
        if (s.retryAttempts() < 2) {
            return null;
        }
        Duration max = s.retryBackoff().compareTo(MAX_RETRY_BACKOFF) > 0 ? s.retryBackoff() : MAX_RETRY_BACKOFF;
        return RetryPolicy.builder().setMaxAttempts(s.retryAttempts()).setInitialBackoff(s.retryBackoff())
                .setMaxBackoff(max).setBackoffMultiplier(1.5).build();
    }

    private static SpanExporter grpcExporter(OtlpExportSettings s) {
        OtlpGrpcSpanExporterBuilder b = OtlpGrpcSpanExporter.builder()
                .setEndpoint(s.exporterEndpoint())
                // several requests at once: each must own its data
                .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
                .setTimeout(s.timeout())
                .setCompression(s.compression())
                .setRetryPolicy(retryPolicy(s))
                .setMeterProvider(MeterProvider.noop());
        for (Map.Entry<String, String> h : s.headers().entrySet()) {
            b.addHeader(h.getKey(), h.getValue());
        }
        if (s.trustedCertificates() != null) {
            b.setTrustedCertificates(s.trustedCertificates());
        }
        if (s.clientKey() != null) {
            b.setClientTls(s.clientKey(), s.clientCertificate());
        }
        return b.build();
    }

    private static SpanExporter httpExporter(OtlpExportSettings s) {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder()
                .setEndpoint(s.exporterEndpoint())
                // several requests at once: each must own its data
                .setMemoryMode(MemoryMode.IMMUTABLE_DATA)
                .setTimeout(s.timeout())
                .setCompression(s.compression())
                .setRetryPolicy(retryPolicy(s))
                .setMeterProvider(MeterProvider.noop());
        for (Map.Entry<String, String> h : s.headers().entrySet()) {
            b.addHeader(h.getKey(), h.getValue());
        }
        if (s.trustedCertificates() != null) {
            b.setTrustedCertificates(s.trustedCertificates());
        }
        if (s.clientKey() != null) {
            b.setClientTls(s.clientKey(), s.clientCertificate());
        }
        return b.build();
    }

    /** Whether spans are forwarded at all ({@code PEEPHOLE_OTLP_EXPORT_ENDPOINT} set). */
    public boolean enabled() {
        return exporter != null;
    }

    /** The resource an agent's spans are exported with, or null when nothing is exported. */
    public AgentSpans.AgentResource resourceOf(Hello hello) {
        return enabled() ? AgentSpans.AgentResource.of(hello) : null;
    }

    /**
     * Queues committed spans for export without waiting. Returns false, counting them as
     * dropped, when they do not fit in the queue (or the forwarder has stopped).
     */
    public boolean offer(ExportableSpans spans) {
        if (exporter == null || spans == null) {
            return false;
        }
        int n = spans.count();
        if (n == 0) {
            return true;
        }
        if (!running) {
            dropped.add(n);
            return false;
        }
        while (true) {
            int q = queuedSpans.get();
            if (q + n > settings.queueSize()) {
                dropped.add(n);
                return false;
            }
            if (queuedSpans.compareAndSet(q, q + n)) {
                break;
            }
        }
        queue.add(spans);
        return true;
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            ExportableSpans first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<ExportableSpans> taken = new ArrayList<>();
            taken.add(first);
            int n = first.count();
            ExportableSpans next;
            while (n < settings.batchSize() && (next = queue.poll()) != null) {
                taken.add(next);
                n += next.count();
            }
            queuedSpans.addAndGet(-n);
            List<SpanData> spans = new ArrayList<>(n);
            try {
                for (ExportableSpans t : taken) {
                    spans.addAll(t.toSpanData());
                }
            } catch (RuntimeException e) {
                LOG.error("Spans could not be converted for OTLP export", e);
                failed.add(n);
                continue;
            }
            for (int from = 0; from < spans.size(); from += settings.batchSize()) {
                export(spans.subList(from, Math.min(spans.size(), from + settings.batchSize())));
            }
        }
    }

    private void export(List<SpanData> spans) {
        if (System.nanoTime() > giveUpAtNanos) {
            failed.add(spans.size());
            return;
        }
        // A few requests at a time: one slow round trip does not hold the others back.
        inFlight.acquireUninterruptibly();
        CompletableResultCode result;
        try {
            result = exporter.export(spans);
        } catch (RuntimeException e) {
            result = CompletableResultCode.ofExceptionalFailure(e);
        }
        CompletableResultCode done = result;
        int n = spans.size();
        result.whenComplete(() -> {
            try {
                finished(done, n);
            } finally {
                inFlight.release();
            }
        });
    }

    /** Counts and logs one finished request (on the exporter's thread). */
    private void finished(CompletableResultCode result, int n) {
        if (result.isSuccess()) {
            exported.add(n);
            requestsOk.increment();
            if (failing.compareAndSet(true, false)) {
                LOG.info("Span export to {} works again", settings.endpointForLogs());
            }
            return;
        }
        failed.add(n);
        requestsFailed.increment();
        if (failing.compareAndSet(false, true)) {
            Throwable cause = result.getFailureThrowable();
            LOG.warn("Span export to {} failed, {} spans lost ({}); logged again only after it works",
                    settings.endpointForLogs(), n,
                    cause == null ? "refused" : cause.getClass().getSimpleName() + ": " + cause.getMessage());
        }
    }

    public long exportedSpans() {
        return exported.sum();
    }

    public long failedSpans() {
        return failed.sum();
    }

    public long droppedSpans() {
        return dropped.sum();
    }

    public int queuedSpans() {
        return queuedSpans.get();
    }

    @PreDestroy
    void stop() {
        if (thread == null) {
            return;
        }
        giveUpAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FLUSH_ON_STOP_MILLIS);
        running = false;
        try {
            thread.join(FLUSH_ON_STOP_MILLIS + 2_000);
            inFlight.tryAcquire(MAX_IN_FLIGHT, 2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exporter.shutdown().join(2, TimeUnit.SECONDS);
    }
}
