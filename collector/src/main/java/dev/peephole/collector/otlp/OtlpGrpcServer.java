package dev.peephole.collector.otlp;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.grpc.RawBytesMarshaller;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.metrics.v1.MetricsServiceGrpc;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/gRPC ({@code PEEPHOLE_OTLP_GRPC_PORT}): {@code opentelemetry.proto.collector.trace.v1.TraceService/Export}
 * and {@code ...metrics.v1.MetricsService/Export}, from the official opentelemetry-proto
 * service definitions. Built like the agent protocol's listener: its own threads, 4 MiB
 * messages (larger: RESOURCE_EXHAUSTED), malformed ones INVALID_ARGUMENT, the agent token
 * as {@code authorization: Bearer} (else UNAUTHENTICATED). Answers once the data is committed.
 */
@Context
public class OtlpGrpcServer {

    private static final Logger LOG = LoggerFactory.getLogger(OtlpGrpcServer.class);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Server server;
    private final ExecutorService executor;

    /** Parses a request's bytes (a malformed one is INVALID_ARGUMENT for that call alone). */
    private interface Parser<T> {
        T parse(byte[] bytes) throws InvalidProtocolBufferException;
    }

    public OtlpGrpcServer(@Value("${peephole.otlp.grpc.port:4317}") int port,
                          @Value("${peephole.otlp.threads:4}") int threads,
                          OtlpIngest ingest, dev.peephole.collector.security.TlsFiles tls) {
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "peephole-otlp-grpc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MethodDescriptor<byte[], ExportTraceServiceResponse> traceExport = TraceServiceGrpc.getExportMethod()
                .toBuilder(new RawBytesMarshaller(), TraceServiceGrpc.getExportMethod().getResponseMarshaller())
                .build();
        MethodDescriptor<byte[], ExportMetricsServiceResponse> metricsExport = MetricsServiceGrpc.getExportMethod()
                .toBuilder(new RawBytesMarshaller(), MetricsServiceGrpc.getExportMethod().getResponseMarshaller())
                .build();
        ServerServiceDefinition traces = ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
                .addMethod(traceExport, ServerCalls.asyncUnaryCall((bytes, out) -> export(ingest, "traces", bytes, out,
                        ExportTraceServiceRequest::parseFrom, ingest::traces, r -> {
                            ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
                            if (r.rejected() > 0) {
                                b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                                        .setRejectedSpans(r.rejected()).setErrorMessage(r.message()));
                            }
                            return b.build();
                        })))
                .build();
        ServerServiceDefinition metrics = ServerServiceDefinition.builder(MetricsServiceGrpc.SERVICE_NAME)
                .addMethod(metricsExport, ServerCalls.asyncUnaryCall((bytes, out) -> export(ingest, "metrics", bytes,
                        out, ExportMetricsServiceRequest::parseFrom, ingest::metrics, r -> {
                            ExportMetricsServiceResponse.Builder b = ExportMetricsServiceResponse.newBuilder();
                            if (r.rejected() > 0) {
                                b.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder()
                                        .setRejectedDataPoints(r.rejected()).setErrorMessage(r.message()));
                            }
                            return b.build();
                        })))
                .build();
        ServerInterceptor auth = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                try {
                    ingest.authenticate(headers.get(AUTHORIZATION));
                } catch (OtlpIngest.Refused e) {
                    String signal = call.getMethodDescriptor().getServiceName().contains(".trace.") ? "traces" : "metrics";
                    ingest.countRequest("grpc", signal, e.failure() == OtlpIngest.Failure.UNAUTHENTICATED
                            ? "unauthenticated" : "unavailable");
                    call.close(status(e), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                return next.startCall(call, headers);
            }
        };
        // PEEPHOLE_TLS_OTLP_CERT/KEY, else PEEPHOLE_TLS_CERT/KEY: TLS as on the agent protocol
        java.util.Optional<io.grpc.ServerCredentials> credentials = tls.serverCredentials("otlp");
        this.server = (credentials.isPresent()
                ? NettyServerBuilder.forAddress(new InetSocketAddress(port), credentials.get())
                : NettyServerBuilder.forAddress(new InetSocketAddress(port)))
                .executor(executor)
                .maxInboundMessageSize(AgentGrpcServer.MAX_MESSAGE_BYTES)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(ServerInterceptors.intercept(traces, auth))
                .addService(ServerInterceptors.intercept(metrics, auth))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not listen for OTLP/gRPC on port " + port, e);
        }
        LOG.info("OTLP/gRPC listening on port {}", server.getPort());
    }

    private static <Q, R> void export(OtlpIngest ingest, String signal, byte[] bytes, StreamObserver<R> out,
                                      Parser<Q> parser, Function<Q, CompletableFuture<OtlpIngest.Result>> store,
                                      Function<OtlpIngest.Result, R> answer) {
        Q request;
        try {
            request = parser.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            ingest.countRequest("grpc", signal, "invalid");
            out.onError(Status.INVALID_ARGUMENT.withDescription("malformed OTLP message: " + e.getMessage())
                    .asRuntimeException());
            return;
        }
        store.apply(request).whenComplete((result, error) -> {
            if (error == null) {
                ingest.countRequest("grpc", signal, result.rejected() > 0 ? "partial" : "ok");
                out.onNext(answer.apply(result));
                out.onCompleted();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            ingest.countRequest("grpc", signal, "unavailable");
            out.onError(cause instanceof OtlpIngest.Refused r ? status(r).asRuntimeException()
                    : Status.INTERNAL.withDescription("not stored").asRuntimeException());
            if (!(cause instanceof OtlpIngest.Refused)) {
                LOG.error("OTLP {} export failed", signal, cause);
            }
        });
    }

    private static Status status(OtlpIngest.Refused e) {
        return (e.failure() == OtlpIngest.Failure.UNAUTHENTICATED ? Status.UNAUTHENTICATED : Status.UNAVAILABLE)
                .withDescription(e.getMessage());
    }

    public int port() {
        return server.getPort();
    }

    @PreDestroy
    void stop() throws InterruptedException {
        server.shutdown();
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        executor.shutdownNow();
    }
}
