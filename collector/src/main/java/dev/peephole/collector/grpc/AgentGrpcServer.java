package dev.peephole.collector.grpc;

import dev.peephole.collector.agents.AgentRegistry;
import dev.peephole.collector.ingest.BatchPreparer;
import dev.peephole.collector.ingest.IngestStats;
import dev.peephole.collector.ingest.IngestWriter;
import dev.peephole.collector.security.AgentToken;
import dev.peephole.collector.security.TlsFiles;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.CollectorMessage;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agent protocol's gRPC listener ({@code PEEPHOLE_GRPC_PORT}). */
@Context
public class AgentGrpcServer {

    private static final Logger LOG = LoggerFactory.getLogger(AgentGrpcServer.class);
    /** Larger messages end the sender's stream with RESOURCE_EXHAUSTED. */
    public static final int MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    private final Server server;
    private final ExecutorService executor;
    private final IngestWriter writer;
    private final AgentStreams streams;

    public AgentGrpcServer(@Value("${peephole.grpc.port:9317}") int port,
                           @Value("${peephole.grpc.threads:8}") int threads,
                           AgentToken token, AgentRegistry registry, BatchPreparer preparer,
                           IngestWriter writer, IngestStats stats, AgentStreams streams, TlsFiles tls) {
        this.writer = writer;
        this.streams = streams;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "peephole-grpc-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        MethodDescriptor<byte[], CollectorMessage> connect = AgentServiceGrpc.getConnectMethod()
                .toBuilder(new RawBytesMarshaller(), AgentServiceGrpc.getConnectMethod().getResponseMarshaller())
                .build();
        ServerServiceDefinition service = ServerServiceDefinition.builder(AgentServiceGrpc.SERVICE_NAME)
                .addMethod(connect, ServerCalls.asyncBidiStreamingCall(responses -> new AgentStream(
                        (ServerCallStreamObserver<CollectorMessage>) responses, registry, preparer, writer, stats,
                        streams)))
                .build();
        java.util.Optional<io.grpc.ServerCredentials> credentials = tls.serverCredentials("grpc");
        this.server = (credentials.isPresent()
                ? NettyServerBuilder.forAddress(new InetSocketAddress(port), credentials.get())
                : NettyServerBuilder.forAddress(new InetSocketAddress(port)))
                .executor(executor)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addService(ServerInterceptors.intercept(service, new TokenInterceptor(token)))
                .build();
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not listen for agents on port " + port, e);
        }
        LOG.info("Agent protocol listening on port {}{}", server.getPort(), credentials.isPresent() ? " (TLS)" : "");
    }

    public int port() {
        return server.getPort();
    }

    /**
     * SIGTERM: take no new streams or batches, commit and acknowledge what is in hand,
     * then end the open streams so their agents reconnect elsewhere.
     */
    @PreDestroy
    void stop() throws InterruptedException {
        long started = System.nanoTime();
        server.shutdown();
        writer.drain(5_000);
        streams.closeAll(Status.UNAVAILABLE.withDescription("the collector is shutting down"));
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
            server.shutdownNow();
        }
        executor.shutdownNow();
        LOG.info("Agent protocol stopped ({} ms)", (System.nanoTime() - started) / 1_000_000);
    }
}
