package dev.peephole.bench;

import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Hello;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Plays many agents against a running collector over the agent protocol and measures
 * what the collector acknowledges, i.e. what it has committed.
 *
 * <p>Each simulated agent has its own gRPC channel and Connect stream, sends Hello and then
 * keeps up to {@code --inflight} batches unacknowledged. Rows count only when their Ack
 * arrives within the measured window (after {@code --warmup}), using the Ack's accepted
 * counts. Batches are serialized once ({@link WireBatch}) and patched per send.
 */
public final class IngestLoad {

    static final String USAGE = """
            usage: java -cp peephole-bench.jar dev.peephole.bench.IngestLoad [options]
              --target HOST:PORT        the collector's agent protocol (default 127.0.0.1:9317)
              --token T                 the agent token (required)
              --kind points|spans|recognition-spans
                                        what the batches carry (default points); recognition-spans:
                                        the spans with the doorbell profile's recognition attributes
                                        on each RecognitionService.match span (security events)
              --agents N                simulated agents, one channel and stream each (default 8)
              --seconds S               measured seconds after the warmup (default 20)
              --warmup S                seconds before measuring (default 5)
              --batch N                 points or spans per batch (default 1000)
              --inflight N              unacknowledged batches per agent (default 4)
              --series-per-agent N      metric series of each agent, points only (default 200)
            Prints progress to stderr, a report and one 'RESULT ...' line to stdout.
            Exit code 0 when rows were acknowledged, 1 when none were, 2 on bad arguments.""";

    /** The client sends pre-serialized messages; the collector's replies are parsed as usual. */
    private static final MethodDescriptor<byte[], CollectorMessage> CONNECT = AgentServiceGrpc.getConnectMethod()
            .toBuilder(new BytesMarshaller(), AgentServiceGrpc.getConnectMethod().getResponseMarshaller())
            .build();

    private final String host;
    private final int port;
    private final String token;
    private final String kind;
    private final int agentCount;
    private final int seconds;
    private final int warmup;
    private final int batch;
    private final int inflight;
    private final int seriesPerAgent;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ingest-load-scheduler");
        t.setDaemon(true);
        return t;
    });
    private WireBatch template;
    private volatile long measureStart = Long.MAX_VALUE;
    private volatile long measureEnd = Long.MAX_VALUE;
    private volatile boolean fatal;

    // totals, all acks (progress)
    private final LongAdder ackedRowsAll = new LongAdder();
    // within the measured window
    private final LongAdder ackedRows = new LongAdder();
    private final LongAdder ackedBatches = new LongAdder();
    private final LongAdder rejectedRows = new LongAdder();
    private final LongAdder duplicates = new LongAdder();
    // whole run
    private final LongAdder errors = new LongAdder();
    private final LongAdder lostBatches = new LongAdder();
    private final Map<String, LongAdder> errorKinds = new ConcurrentHashMap<>();

    private IngestLoad(Args a) throws Args.BadArgs {
        String target = a.str("target");
        int colon = target.lastIndexOf(':');
        if (colon <= 0) {
            throw new Args.BadArgs("--target must be HOST:PORT, got '" + target + "'");
        }
        host = target.substring(0, colon);
        try {
            port = Integer.parseInt(target.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new Args.BadArgs("--target must be HOST:PORT, got '" + target + "'");
        }
        token = a.str("token");
        kind = a.oneOf("kind", "points", "spans", "recognition-spans");
        agentCount = a.positiveInt("agents");
        seconds = a.positiveInt("seconds");
        warmup = a.nonNegativeInt("warmup");
        batch = a.positiveInt("batch");
        inflight = a.positiveInt("inflight");
        seriesPerAgent = a.positiveInt("series-per-agent");
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("target", "127.0.0.1:9317");
        defaults.put("token", null);
        defaults.put("kind", "points");
        defaults.put("agents", "8");
        defaults.put("seconds", "20");
        defaults.put("warmup", "5");
        defaults.put("batch", "1000");
        defaults.put("inflight", "4");
        defaults.put("series-per-agent", "200");
        IngestLoad load;
        try {
            load = new IngestLoad(new Args(argv, defaults));
        } catch (Args.BadArgs e) {
            Args.usageAndExit(e, USAGE);
            return;
        }
        System.exit(load.run());
    }

    private int run() throws Exception {
        template = buildTemplate();
        System.err.printf("IngestLoad: %s to %s:%d, %d agents, %d %s per batch (%,d bytes), %d in flight each%n",
                kind, host, port, agentCount, batch, kind, template.bodyBytes(), inflight);

        List<SimAgent> agents = new ArrayList<>();
        Random salts = new Random();
        for (int i = 0; i < agentCount; i++) {
            agents.add(new SimAgent(i, salts.nextLong() & 0x7FFF_FFFF_0000_0000L));
        }
        long started = System.nanoTime();
        measureStart = started + TimeUnit.SECONDS.toNanos(warmup);
        measureEnd = measureStart + TimeUnit.SECONDS.toNanos(seconds);
        for (SimAgent agent : agents) {
            agent.connect();
        }

        long cpuAtStart = -1;
        long lastRows = 0;
        for (int s = 1; System.nanoTime() < measureEnd && !fatal; s++) {
            long wakeAt = started + TimeUnit.SECONDS.toNanos(s);
            while (System.nanoTime() < wakeAt && !fatal) {
                Thread.sleep(Math.max(1, Math.min(100, (wakeAt - System.nanoTime()) / 1_000_000)));
            }
            if (cpuAtStart < 0 && System.nanoTime() >= measureStart) {
                cpuAtStart = processCpuNanos();
            }
            long rows = ackedRowsAll.sum();
            int outstanding = 0;
            for (SimAgent agent : agents) {
                outstanding += agent.outstanding();
            }
            System.err.printf("  [%3ds %s] %,10d %s/s acked, %3d batches in flight, %d errors%n", s,
                    s <= warmup ? "warmup " : "measure", rows - lastRows, kind, outstanding, errors.sum());
            lastRows = rows;
        }
        long cpuAtEnd = processCpuNanos();
        if (cpuAtStart < 0) {
            cpuAtStart = cpuAtEnd;
        }

        // Stop sending; give the batches in flight a moment to be acknowledged, then hang up.
        for (SimAgent agent : agents) {
            agent.stop();
        }
        long drainUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int unacked;
        do {
            unacked = 0;
            for (SimAgent agent : agents) {
                unacked += agent.outstanding();
            }
            if (unacked > 0) {
                Thread.sleep(20);
            }
        } while (unacked > 0 && System.nanoTime() < drainUntil);
        for (SimAgent agent : agents) {
            agent.close();
        }
        scheduler.shutdownNow();

        return report(agents, unacked, (cpuAtEnd - cpuAtStart) / (double) TimeUnit.SECONDS.toNanos(seconds));
    }

    private WireBatch buildTemplate() throws IOException {
        Random rnd = new Random(42);
        long base = System.currentTimeMillis() * 1_000_000L - TimeUnit.SECONDS.toNanos(60);
        Batch.Builder b = Batch.newBuilder();
        long shift;
        if (kind.equals("points")) {
            if (seriesPerAgent > batch) {
                System.err.printf("note: --series-per-agent %d > --batch %d: only %d series get points%n",
                        seriesPerAgent, batch, batch);
            }
            b.addAllMetrics(Shapes.metricBatch(Shapes.series(seriesPerAgent), batch, base, rnd));
            shift = Shapes.maxPointsPerSeries(seriesPerAgent, batch) * Shapes.POINT_STEP_NANOS;
        } else {
            List<dev.peephole.proto.v1.Span> spans = Shapes.spanBatch(batch, base, rnd);
            b.addAllSpans(kind.equals("recognition-spans") ? Shapes.withRecognition(spans) : spans);
            shift = Shapes.SPAN_BATCH_SHIFT_NANOS;
        }
        WireBatch w = new WireBatch(b.build(), shift);
        // The patched bytes must still be the batch we mean: parse one back.
        Batch check = AgentMessage.parseFrom(w.message(7, 1L << 40)).getBatch();
        int rows = check.getSpansCount();
        for (var m : check.getMetricsList()) {
            rows += m.getPointsCount();
        }
        long firstTime = kind.equals("points") ? check.getMetrics(0).getPoints(0).getTimeUnixNano()
                : check.getSpans(0).getStartTimeUnixNano();
        long expected = (kind.equals("points") ? b.getMetrics(0).getPoints(0).getTimeUnixNano()
                : b.getSpans(0).getStartTimeUnixNano()) + 7 * shift;
        if (check.getSequence() != 7 || rows != batch || firstTime != expected
                || (kind.equals("spans") && check.getSpans(0).getTraceId().substring(0, 8).asReadOnlyByteBuffer()
                        .getLong() != (1L << 40) + 7)) {
            throw new IllegalStateException("batch template self-check failed");
        }
        return w;
    }

    private int report(List<SimAgent> agents, int unacked, double cpuCores) {
        List<Long> all = new ArrayList<>();
        for (SimAgent agent : agents) {
            agent.drainLatencies(all);
        }
        long[] lat = all.stream().mapToLong(Long::longValue).sorted().toArray();
        double rowsPerS = ackedRows.sum() / (double) seconds;
        double batchesPerS = ackedBatches.sum() / (double) seconds;
        double p50 = percentileMs(lat, 50);
        double p95 = percentileMs(lat, 95);
        double p99 = percentileMs(lat, 99);
        double max = lat.length == 0 ? Double.NaN : lat[lat.length - 1] / 1000.0;
        System.out.printf("IngestLoad %s: %d agents x %d in flight, %d %s per batch, %ds warmup, %ds measured%n",
                kind, agentCount, inflight, batch, kind, warmup, seconds);
        System.out.printf("  acked %-7s %,14.0f /s%n", kind, rowsPerS);
        System.out.printf("  acked batches %,14.1f /s%n", batchesPerS);
        System.out.printf("  ack latency   p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms (send to ack, %d acks)%n",
                p50, p95, p99, max, lat.length);
        System.out.printf("  rejected rows %,d, duplicate batches %d%n", rejectedRows.sum(), duplicates.sum());
        System.out.printf("  errors        %d (batches lost with their stream: %d, unacknowledged at the end: %d)%n",
                errors.sum(), lostBatches.sum(), unacked);
        errorKinds.forEach((k, n) -> System.out.printf("    %dx %s%n", n.sum(), k));
        System.out.printf("  load generator CPU %.2f cores%n", cpuCores);
        System.out.printf(java.util.Locale.ROOT,
                "RESULT kind=%s rows_per_s=%.0f batches_per_s=%.1f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f max_ms=%.1f "
                        + "errors=%d rejected=%d unacked=%d agents=%d batch=%d inflight=%d seconds=%d "
                        + "loadgen_cpu_cores=%.2f%n",
                kind, rowsPerS, batchesPerS, p50, p95, p99, max, errors.sum(), rejectedRows.sum(), unacked, agentCount,
                batch, inflight, seconds, cpuCores);
        return ackedRows.sum() > 0 ? 0 : 1;
    }

    static double percentileMs(long[] sortedMicros, double p) {
        if (sortedMicros.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedMicros.length);
        return sortedMicros[Math.max(0, Math.min(sortedMicros.length - 1, rank - 1))] / 1000.0;
    }

    static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    /** One simulated agent: a channel, a Connect stream, a window of batches in flight. */
    private final class SimAgent implements StreamObserver<CollectorMessage> {

        private final int index;
        private final String agentId;
        private final long traceSalt;
        private final ManagedChannel channel;
        private final Channel authed;
        private final Object lock = new Object();
        private final Map<Long, Long> sentAt = new HashMap<>();
        private final List<Long> latenciesMicros = new ArrayList<>();
        private final AtomicLong generation = new AtomicLong();
        private StreamObserver<byte[]> requests;
        private long nextSequence;
        private boolean ready;
        private boolean stopping;

        SimAgent(int index, long traceSalt) {
            this.index = index;
            this.agentId = "bench-agent-" + index;
            this.traceSalt = traceSalt | ((long) index << 48);
            this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().directExecutor()
                    .maxInboundMessageSize(16 * 1024 * 1024).build();
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
            this.authed = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
        }

        /** Opens a new stream with a new session: sequences restart at 1. */
        void connect() {
            String session = UUID.randomUUID().toString();
            byte[] hello = AgentMessage.newBuilder().setHello(Hello.newBuilder()
                    .setAgentId(agentId).setSessionId(session).setServiceName("doorbell")
                    .setServiceVersion("1.4.2").setHostName("bench-host-" + index).setPid(10_000 + index)
                    .setJvmVersion(System.getProperty("java.version")).setJvmVendor("bench")
                    .setAgentVersion("bench").setProcessStartTimeUnixNano(System.currentTimeMillis() * 1_000_000L))
                    .build().toByteArray();
            synchronized (lock) {
                if (stopping) {
                    return;
                }
                generation.incrementAndGet();
                nextSequence = 1;
                ready = false;
                sentAt.clear();
                StreamObserver<CollectorMessage> observer = new Generation(generation.get());
                requests = ClientCalls.asyncBidiStreamingCall(authed.newCall(CONNECT, CallOptions.DEFAULT), observer);
                requests.onNext(hello);
            }
        }

        /** Sends batches until the window is full (called with the settings and with every ack). */
        private void pump() {
            synchronized (lock) {
                while (ready && !stopping && sentAt.size() < inflight) {
                    long seq = nextSequence++;
                    byte[] message = template.message(seq, traceSalt);
                    sentAt.put(seq, System.nanoTime());
                    requests.onNext(message);
                }
            }
        }

        int outstanding() {
            synchronized (lock) {
                return sentAt.size();
            }
        }

        void stop() {
            synchronized (lock) {
                stopping = true;
            }
        }

        void close() throws InterruptedException {
            synchronized (lock) {
                stopping = true;
                ready = false;
                if (requests != null) {
                    try {
                        requests.onCompleted();
                    } catch (RuntimeException ignored) {
                        // the stream is already gone
                    }
                }
            }
            channel.shutdown();
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        }

        void drainLatencies(List<Long> into) {
            synchronized (lock) {
                into.addAll(latenciesMicros);
            }
        }

        @Override
        public void onNext(CollectorMessage m) {
            if (m.hasSettings()) {
                synchronized (lock) {
                    ready = true;
                }
                pump();
            } else if (m.hasAck()) {
                long now = System.nanoTime();
                var ack = m.getAck();
                Long sent;
                synchronized (lock) {
                    sent = sentAt.remove(ack.getSequence());
                }
                if (sent == null) {
                    return;
                }
                int rows = ack.getAcceptedPoints() + ack.getAcceptedSpans();
                ackedRowsAll.add(rows);
                if (now >= measureStart && now < measureEnd) {
                    ackedRows.add(rows);
                    ackedBatches.increment();
                    rejectedRows.add(ack.getRejectedPoints() + ack.getRejectedSpans());
                    if (ack.getDuplicate()) {
                        duplicates.increment();
                    }
                    synchronized (lock) {
                        latenciesMicros.add((now - sent) / 1000);
                    }
                }
                pump();
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(Status.fromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended(Status.OK.withDescription("the collector completed the stream"));
        }

        private void ended(Status status) {
            synchronized (lock) {
                ready = false;
                lostBatches.add(sentAt.size());
                sentAt.clear();
                if (stopping) {
                    return;
                }
            }
            errors.increment();
            String what = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
            errorKinds.computeIfAbsent(what, k -> new LongAdder()).increment();
            System.err.println("  agent " + agentId + " stream ended: " + what);
            if (status.getCode() == Status.Code.UNAUTHENTICATED || status.getCode() == Status.Code.INVALID_ARGUMENT) {
                fatal = true;
                return;
            }
            scheduler.schedule(this::connect, 1, TimeUnit.SECONDS);
        }

        /** Relays one stream's events, ignoring those of streams replaced by a reconnect. */
        private final class Generation implements StreamObserver<CollectorMessage> {
            private final long id;

            Generation(long id) {
                this.id = id;
            }

            @Override
            public void onNext(CollectorMessage value) {
                if (generation.get() == id) {
                    SimAgent.this.onNext(value);
                }
            }

            @Override
            public void onError(Throwable t) {
                if (generation.get() == id) {
                    SimAgent.this.onError(t);
                }
            }

            @Override
            public void onCompleted() {
                if (generation.get() == id) {
                    SimAgent.this.onCompleted();
                }
            }
        }
    }

    /** Pre-serialized request messages, handed to gRPC without copying. */
    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new BytesStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class BytesStream extends ByteArrayInputStream implements KnownLength, Drainable {
        BytesStream(byte[] b) {
            super(b);
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = count - pos;
            target.write(buf, pos, n);
            pos = count;
            return n;
        }
    }
}
