package dev.peephole.collector.otlp;

import dev.peephole.collector.ingest.BatchPreparer;
import dev.peephole.collector.ingest.IngestLimits;
import dev.peephole.collector.ingest.IngestStats;
import dev.peephole.collector.ingest.IngestWriter;
import dev.peephole.collector.ingest.InvalidBatchException;
import dev.peephole.collector.ingest.PreparedBatch;
import dev.peephole.collector.security.AgentToken;
import dev.peephole.collector.storage.StorageReadiness;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP export requests into storage, shared by the gRPC and the HTTP listener: checks the
 * bearer agent token, maps the request ({@link OtlpMapper}), prepares each resource's
 * batch with the agent path's {@link BatchPreparer} and commits it through the same
 * {@link IngestWriter}. The answer completes once every batch is committed, so a success
 * means "stored"; refused items are counted in it (OTLP partial success) and in /metrics.
 */
@Singleton
public class OtlpIngest {

    private static final Logger LOG = LoggerFactory.getLogger(OtlpIngest.class);

    /** Why a whole request is not taken. */
    public enum Failure { UNAUTHENTICATED, UNAVAILABLE }

    /** A request taken: how many items were refused (not stored, not to be re-sent) and why. */
    public record Result(long rejected, String message) {
    }

    /** The request as a whole is refused; the transport turns this into its status. */
    public static final class Refused extends Exception {
        private final Failure failure;

        Refused(Failure failure, String message) {
            super(message, null, false, false);
            this.failure = failure;
        }

        public Failure failure() {
            return failure;
        }
    }

    private final AgentToken token;
    private final BatchPreparer preparer;
    private final IngestWriter writer;
    private final IngestLimits limits;
    private final IngestStats ingestStats;
    private final StorageReadiness readiness;
    private final MeterRegistry meters;
    /** Batches of OTLP data are recorded as this collector run's session, numbered from 1. */
    private final String sessionId = "otlp-" + UUID.randomUUID();
    private final AtomicLong sequence = new AtomicLong();
    private final Counter spansReceived;
    private final Counter spansRejected;
    private final Counter pointsReceived;
    private final Counter pointsRejected;
    private final ConcurrentHashMap<String, Counter> requests = new ConcurrentHashMap<>();
    private final dev.peephole.collector.export.SpanForwarder forwarder;

    public OtlpIngest(AgentToken token, BatchPreparer preparer, IngestWriter writer, IngestLimits limits,
                      IngestStats ingestStats, StorageReadiness readiness, MeterRegistry meters,
                      dev.peephole.collector.export.SpanForwarder forwarder) {
        this.token = token;
        this.forwarder = forwarder;
        this.preparer = preparer;
        this.writer = writer;
        this.limits = limits;
        this.ingestStats = ingestStats;
        this.readiness = readiness;
        this.meters = meters;
        this.spansReceived = Counter.builder("peephole.otlp.spans.received")
                .description("spans received over OTLP").register(meters);
        this.spansRejected = Counter.builder("peephole.otlp.spans.rejected")
                .description("spans received over OTLP and refused (partial success)").register(meters);
        this.pointsReceived = Counter.builder("peephole.otlp.points.received")
                .description("metric data points received over OTLP").register(meters);
        this.pointsRejected = Counter.builder("peephole.otlp.points.rejected")
                .description("metric data points received over OTLP and refused (partial success)").register(meters);
    }

    /** Counts one request by transport (grpc, http), signal (traces, metrics) and outcome. */
    void countRequest(String transport, String signal, String outcome) {
        requests.computeIfAbsent(transport + '/' + signal + '/' + outcome, k -> Counter.builder("peephole.otlp.requests")
                .description("OTLP export requests by transport, signal and outcome")
                .tags("transport", transport, "signal", signal, "outcome", outcome)
                .register(meters)).increment();
    }

    /** Checks an {@code Authorization} header value; the request is refused unless it carries the agent token. */
    void authenticate(String authorization) throws Refused {
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : null;
        Optional<Boolean> ok = token.verify(presented);
        if (ok.isEmpty()) {
            throw new Refused(Failure.UNAVAILABLE, "the collector is starting: its database is not ready");
        }
        if (!ok.get()) {
            throw new Refused(Failure.UNAUTHENTICATED, presented == null
                    ? "missing agent token (Authorization: Bearer <token>)" : "wrong agent token");
        }
    }

    CompletableFuture<Result> traces(ExportTraceServiceRequest request) {
        long now = System.currentTimeMillis() * 1_000_000L;
        OtlpMapper.Mapped mapped = OtlpMapper.traces(request, sessionId, now - limits.maxTimeSkewNanos(),
                now + limits.maxTimeSkewNanos());
        spansReceived.increment(mapped.received());
        return store(mapped, now, true);
    }

    CompletableFuture<Result> metrics(ExportMetricsServiceRequest request) {
        long now = System.currentTimeMillis() * 1_000_000L;
        OtlpMapper.Mapped mapped = OtlpMapper.metrics(request, sessionId, now - limits.maxTimeSkewNanos(),
                now + limits.maxTimeSkewNanos());
        pointsReceived.increment(mapped.received());
        return store(mapped, now, false);
    }

    private CompletableFuture<Result> store(OtlpMapper.Mapped mapped, long now, boolean spans) {
        if (!mapped.parts().isEmpty() && !readiness.isReady()) {
            return CompletableFuture.failedFuture(new Refused(Failure.UNAVAILABLE,
                    "the collector's storage is not ready: " + readiness.reason()));
        }
        List<CompletableFuture<Result>> stored = new ArrayList<>();
        long refusedWhilePreparing = 0;
        List<String> reasons = new ArrayList<>(mapped.reasons());
        for (OtlpMapper.Part part : mapped.parts()) {
            PreparedBatch prepared;
            try {
                // Spans are forwarded over OTLP (when an export endpoint is set) as the agent's are.
                prepared = preparer.prepare(part.identity(), part.batch().setSequence(sequence.incrementAndGet()).build(),
                        now, spans && forwarder.enabled()
                                ? preparer.exportResourceOf(OtlpMapper.sender(part.resource(), part.identity())) : null);
            } catch (InvalidBatchException e) {
                // The mapper refuses what the preparer would; should one slip through, only its resource is lost.
                LOG.warn("OTLP data of {} not stored: {}", part.identity().serviceName(), e.getMessage());
                ingestStats.messagesInvalid.increment();
                refusedWhilePreparing += part.items();
                reasons.add(e.getMessage());
                continue;
            }
            CompletableFuture<Result> done = new CompletableFuture<>();
            boolean queued;
            try {
                queued = writer.submit(prepared, new IngestWriter.Callback() {
                    @Override
                    public void committed(IngestWriter.Outcome o) {
                        int rejected = spans ? o.rejectedSpans() : o.rejectedPoints();
                        done.complete(new Result(rejected, String.join("; ", o.reasons())));
                    }

                    @Override
                    public void failed(Exception cause) {
                        done.completeExceptionally(new Refused(Failure.UNAVAILABLE,
                                "not stored, send it again: " + cause.getMessage()));
                    }
                });
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                queued = false;
            }
            if (!queued) {
                done.completeExceptionally(new Refused(Failure.UNAVAILABLE, "the collector is shutting down"));
            }
            stored.add(done);
        }
        long refusedBefore = mapped.rejected() + refusedWhilePreparing;
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).thenApply(ignored -> {
            long rejected = refusedBefore;
            List<String> all = new ArrayList<>(reasons);
            for (CompletableFuture<Result> f : stored) {
                Result r = f.join();
                rejected += r.rejected();
                if (r.rejected() > 0 && !r.message().isEmpty()) {
                    all.add(r.message());
                }
            }
            (spans ? spansRejected : pointsRejected).increment(rejected);
            return new Result(rejected, rejected == 0 ? "" : String.join("; ", all));
        });
    }
}
