package dev.peephole.bench.agent;

import dev.peephole.proto.v1.Ack;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Settings;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A receiver of the agent protocol that acknowledges every batch as it arrives and stores
 * nothing, for measuring what the agent itself costs the app when it exports: the frames
 * bench runs the demo against it next to the real collector, whose ingest and PostgreSQL share
 * this machine's cores with the app (a deployed collector runs elsewhere). It does what the
 * agent sees of a collector (settings on hello, an ack per batch) and no more: it checks no
 * token and keeps no data. Prints its port, then on SIGTERM the batches, spans and points it
 * took.
 *
 * <pre>java -cp peephole-bench.jar dev.peephole.bench.agent.AckingSink [PORT]</pre>
 */
public final class AckingSink {
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong spans = new AtomicLong();
    private final AtomicLong points = new AtomicLong();

    private AckingSink() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        AckingSink sink = new AckingSink();
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .maxInboundMessageSize(4 * 1024 * 1024)
                .addService(sink.service()).build().start();
        System.out.println(server.getPort());
        System.out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdownNow();
            System.out.println("sink took " + sink.batches.get() + " batches, " + sink.spans.get()
                    + " spans, " + sink.points.get() + " points");
            System.out.flush();
            stopped.countDown();
        }));
        server.awaitTermination();
        stopped.await();
    }

    private AgentServiceGrpc.AgentServiceImplBase service() {
        return new AgentServiceGrpc.AgentServiceImplBase() {
            @Override
            public StreamObserver<AgentMessage> connect(StreamObserver<CollectorMessage> responses) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage m) {
                        if (m.hasHello()) {
                            // What a collector pushes first: keep tracing everything.
                            responses.onNext(CollectorMessage.newBuilder().setSettings(
                                    Settings.newBuilder().setVersion(1).setSamplingRatio(1.0)).build());
                        } else if (m.hasBatch()) {
                            int s = m.getBatch().getSpansCount();
                            int p = 0;
                            for (var series : m.getBatch().getMetricsList()) {
                                p += series.getPointsCount() + series.getHistogramPointsCount();
                            }
                            batches.incrementAndGet();
                            spans.addAndGet(s);
                            points.addAndGet(p);
                            responses.onNext(CollectorMessage.newBuilder().setAck(Ack.newBuilder()
                                    .setSequence(m.getBatch().getSequence())
                                    .setAcceptedSpans(s).setAcceptedPoints(p)).build());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        // the agent went away: nothing to clean up
                    }

                    @Override
                    public void onCompleted() {
                        responses.onCompleted();
                    }
                };
            }
        };
    }
}
