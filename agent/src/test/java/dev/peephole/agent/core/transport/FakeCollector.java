package dev.peephole.agent.core.transport;

import dev.peephole.proto.v1.Ack;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Settings;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An in-process stand-in for the collector's agent protocol: records what arrives, acks on demand. */
final class FakeCollector implements AutoCloseable {
    static final Context.Key<String> AUTH = Context.key("auth");

    final BlockingQueue<AgentMessage> received = new LinkedBlockingQueue<>();
    final List<String> authHeaders = new CopyOnWriteArrayList<>();
    volatile boolean ack = true;
    volatile Settings settings = Settings.newBuilder().setVersion(1).setSamplingRatio(1.0).build();
    private final List<StreamObserver<CollectorMessage>> open = new CopyOnWriteArrayList<>();
    private final Server server;

    FakeCollector(int port) throws Exception {
        this(port, null);
    }

    /** With {@code credentials} (e.g. TLS) on its listener; null: plaintext. */
    FakeCollector(int port, io.grpc.ServerCredentials credentials) throws Exception {
        AgentServiceGrpc.AgentServiceImplBase impl = new AgentServiceGrpc.AgentServiceImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<CollectorMessage> responses) {
                authHeaders.add(AUTH.get());
                open.add(responses);
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        received.add(m);
                        if (!open.contains(responses)) {
                            return; // dropped by the test
                        }
                        if (m.hasHello()) {
                            responses.onNext(CollectorMessage.newBuilder().setSettings(settings).build());
                        } else if (m.hasBatch() && ack) {
                            responses.onNext(CollectorMessage.newBuilder().setAck(Ack.newBuilder()
                                    .setSequence(m.getBatch().getSequence())
                                    .setAcceptedSpans(m.getBatch().getSpansCount())).build());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        open.remove(responses);
                    }

                    @Override
                    public void onCompleted() {
                        open.remove(responses);
                        responses.onCompleted();
                    }
                };
            }
        };
        ServerInterceptor auth = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String a = headers.get(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER));
                return Contexts.interceptCall(Context.current().withValue(AUTH, a), call, headers, next);
            }
        };
        server = (credentials == null ? NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                : NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port), credentials))
                .addService(ServerInterceptors.intercept(impl, auth)).build().start();
    }

    int port() {
        return server.getPort();
    }

    /** Ends every open stream as a collector that goes away would. */
    void dropStreams() {
        for (StreamObserver<CollectorMessage> o : open) {
            try {
                o.onError(Status.UNAVAILABLE.withDescription("test drops the stream").asRuntimeException());
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        open.clear();
    }

    void push(Settings s) {
        for (StreamObserver<CollectorMessage> o : open) {
            o.onNext(CollectorMessage.newBuilder().setSettings(s).build());
        }
    }

    AgentMessage next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
