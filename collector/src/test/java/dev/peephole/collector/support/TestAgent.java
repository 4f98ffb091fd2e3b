package dev.peephole.collector.support;

import com.google.protobuf.ByteString;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Hello;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A minimal agent speaking the protocol over a real gRPC channel, for tests. */
public final class TestAgent implements AutoCloseable {

    public final String agentId;
    public final String sessionId = UUID.randomUUID().toString();
    public final BlockingQueue<CollectorMessage> received = new LinkedBlockingQueue<>();
    /** Completes with the status the stream ended with (OK when completed normally). */
    public final CompletableFuture<Status> ended = new CompletableFuture<>();
    private final ManagedChannel channel;
    private final StreamObserver<AgentMessage> requests;

    public TestAgent(int port, String token, String agentId) {
        this(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024).build(), token, agentId);
    }

    /** An agent on a channel of the test's making (e.g. with TLS credentials). */
    public TestAgent(ManagedChannel channel, String token, String agentId) {
        this.agentId = agentId;
        this.channel = channel;
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        AgentServiceGrpc.AgentServiceStub stub = AgentServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        this.requests = stub.connect(new StreamObserver<>() {
            @Override
            public void onNext(CollectorMessage value) {
                received.add(value);
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
    }

    public Hello hello(String service) {
        return Hello.newBuilder().setAgentId(agentId).setSessionId(sessionId).setServiceName(service)
                .setHostName("test-host").setPid(42).setJvmVersion("17").setAgentVersion("test").build();
    }

    public void send(AgentMessage m) {
        requests.onNext(m);
    }

    public void sendHello(String service) {
        send(AgentMessage.newBuilder().setHello(hello(service)).build());
    }

    public void sendBatch(Batch b) {
        send(AgentMessage.newBuilder().setBatch(b).build());
    }

    public void complete() {
        requests.onCompleted();
    }

    /** The next message from the collector, or null after the timeout. */
    public CollectorMessage next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    public static ByteString id(int bytes, long value) {
        byte[] b = new byte[bytes];
        for (int i = bytes - 1; i >= 0 && value != 0; i--) {
            b[i] = (byte) value;
            value >>>= 8;
        }
        return ByteString.copyFrom(b);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
