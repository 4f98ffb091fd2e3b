package dev.peephole.agent.core.transport;

import dev.peephole.agent.core.Log;
import dev.peephole.proto.v1.Ack;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.AgentServiceGrpc;
import dev.peephole.proto.v1.Batch;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Heartbeat;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.Settings;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.File;
import java.io.IOException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The agent's one connection to the collector, run by the {@code peephole-sender} thread.
 *
 * <p>It opens the stream (Hello first), turns what waits in the {@link Buffer} into
 * {@link Batch}es with increasing sequence numbers, keeps each batch until the collector's
 * {@link Ack} for it arrives, and after a reconnect sends every unacknowledged batch again (same
 * session and sequence, so the collector stores it once). Reconnects back off exponentially with
 * jitter. Heartbeats report what was dropped. No app thread ever waits for any of this.
 */
public final class Sender {

    /** Settings for the sender. */
    public static final class Options {
        public String target = "localhost:9317";
        public String token = "";
        /** Connect with TLS, verifying the collector's certificate. */
        public boolean tls;
        /** PEM file of the CA that signed the collector's certificate; empty: the JVM's trust store. */
        public String caFile = "";
        public int batchMaxSpans = 512;
        public int batchMaxPoints = 2000;
        public int batchMaxBytes = 1024 * 1024;
        public Duration batchInterval = Duration.ofSeconds(1);
        public int maxInFlight = 32;
        public long maxUnackedBytes = 32L * 1024 * 1024;
        public Duration heartbeatInterval = Duration.ofSeconds(5);
        public Duration reconnectInitial = Duration.ofMillis(500);
        public Duration reconnectMax = Duration.ofSeconds(30);
    }

    /** Requests go out as bytes already encoded (batches are kept encoded until acknowledged). */
    private static final MethodDescriptor.Marshaller<byte[]> ENCODED = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new KnownLengthBytes(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            throw new UnsupportedOperationException("the agent only sends these");
        }
    };

    private static final class KnownLengthBytes extends ByteArrayInputStream implements KnownLength {
        KnownLengthBytes(byte[] b) {
            super(b);
        }
    }

    private static final MethodDescriptor<byte[], CollectorMessage> CONNECT = AgentServiceGrpc.getConnectMethod()
            .toBuilder(ENCODED, AgentServiceGrpc.getConnectMethod().getResponseMarshaller()).build();

    private static final class Pending {
        final long sequence;
        final byte[] message; // the encoded AgentMessage: one array for the GC, sent again as is after a reconnect
        final int bytes;
        final int spans;
        final int points;
        long sentOnStream = -1;

        Pending(long sequence, byte[] message, int bytes, int spans, int points) {
            this.sequence = sequence;
            this.message = message;
            this.bytes = bytes;
            this.spans = spans;
            this.points = points;
        }
    }

    private final class Stream implements ClientResponseObserver<byte[], CollectorMessage> {
        final long id;
        volatile ClientCallStreamObserver<byte[]> requests;
        volatile boolean open = true;
        volatile Status endStatus;

        Stream(long id) {
            this.id = id;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<byte[]> r) {
            requests = r;
            r.setOnReadyHandler(Sender.this::wake);
        }

        @Override
        public void onNext(CollectorMessage m) {
            if (m.hasAck()) {
                onAck(m.getAck());
            } else if (m.hasSettings()) {
                onSettings(this, m.getSettings());
            }
        }

        @Override
        public void onError(Throwable t) {
            endStatus = Status.fromThrowable(t);
            open = false;
            wake();
        }

        @Override
        public void onCompleted() {
            endStatus = Status.UNAVAILABLE.withDescription("the collector ended the stream");
            open = false;
            wake();
        }
    }

    private final Options options;
    private final Buffer buffer;
    private final Identity identity;
    private final Consumer<Settings> settingsListener;
    private final TreeMap<Long, Pending> unacked = new TreeMap<>();
    private long unackedBytes;
    private long nextSequence = 1;
    private long streamIds;
    private volatile Stream stream;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile long flushDeadline = Long.MAX_VALUE;
    private volatile boolean flushing;
    private volatile long heartbeatNanos;
    private volatile long settingsVersion = -1;
    private volatile boolean everConnected;
    private volatile boolean outageLogged;
    private int failures;
    private long nextConnectAt;
    private long lastBatchAt;
    private long lastHeartbeatAt;
    private ManagedChannel channel;
    private EventLoopGroup eventLoop;
    private ExecutorService callbacks;

    // statistics (self-metrics and tests)
    final AtomicLong batchesSent = new AtomicLong();
    final AtomicLong batchesAcked = new AtomicLong();
    final AtomicLong spansAcked = new AtomicLong();
    final AtomicLong pointsAcked = new AtomicLong();
    final AtomicLong spansRejected = new AtomicLong();
    final AtomicLong pointsRejected = new AtomicLong();
    final AtomicLong droppedUnackedSpans = new AtomicLong();
    final AtomicLong droppedUnackedPoints = new AtomicLong();
    final AtomicLong reconnects = new AtomicLong();
    final AtomicLong connects = new AtomicLong();

    public Sender(Options options, Buffer buffer, Identity identity, Consumer<Settings> settingsListener) {
        this.options = options;
        this.buffer = buffer;
        this.identity = identity;
        this.settingsListener = settingsListener;
        this.heartbeatNanos = options.heartbeatInterval.toNanos();
        buffer.onFull(this::wake);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        Thread t = new Thread(this::loop, "peephole-sender");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Sends what is held and waits for its acknowledgement, at most {@code max}; then closes the stream. */
    public void shutdown(Duration max) {
        Thread t = thread;
        if (t == null) {
            return;
        }
        flushDeadline = System.nanoTime() + max.toNanos();
        flushing = true;
        wake();
        try {
            t.join(Math.max(1, max.toMillis() + 200));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        wake();
    }

    public void wake() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Asks for a batch now (tests, shutdown). */
    public void flushSoon() {
        lastBatchAt = 0;
        wake();
    }

    public boolean isConnected() {
        Stream s = stream;
        return s != null && s.open && everConnected;
    }

    public int unackedBatches() {
        synchronized (unacked) {
            return unacked.size();
        }
    }

    public long droppedSpans() {
        return buffer.droppedSpans() + droppedUnackedSpans.get();
    }

    public long droppedPoints() {
        return buffer.droppedPoints() + droppedUnackedPoints.get();
    }

    public long batchesSent() {
        return batchesSent.get();
    }

    public long batchesAcked() {
        return batchesAcked.get();
    }

    public long spansAcked() {
        return spansAcked.get();
    }

    public long pointsAcked() {
        return pointsAcked.get();
    }

    public long reconnects() {
        return reconnects.get();
    }

    // ------------------------------------------------------------------ the sender thread

    private void loop() {
        lastBatchAt = System.nanoTime();
        lastHeartbeatAt = System.nanoTime();
        try {
            while (running) {
                try {
                    if (flushing) {
                        finalFlush();
                        break;
                    }
                    step(System.nanoTime());
                } catch (RuntimeException | LinkageError e) {
                    Log.warn("sender step failed", e);
                    sleep(200);
                }
            }
        } finally {
            closeChannel();
        }
    }

    private void step(long now) {
        Stream s = stream;
        if (s != null && !s.open) {
            streamEnded(s, now);
            s = null;
        }
        if (s == null && now - nextConnectAt >= 0) {
            s = openStream(now);
        }
        buildBatches(now, false);
        if (s != null && s.open) {
            sendUnsent(s);
            if (now - lastHeartbeatAt >= heartbeatNanos) {
                sendHeartbeat(s);
                lastHeartbeatAt = now;
            }
        }
        long wait = options.batchInterval.toNanos() - (System.nanoTime() - lastBatchAt);
        if (wait <= 0 && buffer.isEmpty()) {
            // nothing to send: sleep until spans wake it or the next interval (a batch made now would be empty)
            wait = options.batchInterval.toNanos();
        }
        Stream open = stream;
        if (open != null && open.open) {
            // heartbeats only go on an open stream; without one they must not keep the thread awake
            wait = Math.min(wait, heartbeatNanos - (System.nanoTime() - lastHeartbeatAt));
        }
        if (open == null) {
            wait = Math.min(wait, nextConnectAt - System.nanoTime());
        }
        if (wait > 0) {
            LockSupport.parkNanos(this, Math.min(wait, TimeUnit.SECONDS.toNanos(1)));
        }
    }

    private void finalFlush() {
        long deadline = flushDeadline;
        boolean attempted = false;
        while (System.nanoTime() - deadline < 0) {
            Stream s = stream;
            if (s == null || !s.open) {
                if (s != null) {
                    streamEnded(s, System.nanoTime());
                }
                // One quick attempt: the collector may just have come back. Only one: a stream to a
                // collector that is away fails a moment after it opens, and retrying that every pass
                // would spin through connects until the deadline instead of letting the JVM exit.
                if (attempted) {
                    break;
                }
                attempted = true;
                s = openStream(System.nanoTime());
                if (s == null) {
                    break;
                }
            }
            buildBatches(System.nanoTime(), true);
            sendUnsent(s);
            if (unackedBatches() == 0 && buffer.isEmpty()) {
                break;
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(20));
        }
        Stream s = stream;
        if (s != null && s.open) {
            try {
                s.requests.onCompleted();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        int left = unackedBatches();
        if (left > 0) {
            Log.info("at shutdown " + left + " batch(es) were not acknowledged by the collector");
        }
    }

    private Stream openStream(long now) {
        try {
            if (channel == null) {
                channel = newChannel();
            }
            Metadata headers = new Metadata();
            if (!options.token.isEmpty()) {
                headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + options.token);
            }
            Channel withHeaders = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
            Stream s = new Stream(++streamIds);
            ClientCalls.asyncBidiStreamingCall(withHeaders.newCall(CONNECT, CallOptions.DEFAULT), s);
            s.requests.onNext(AgentMessage.newBuilder().setHello(identity.hello()).build().toByteArray());
            stream = s;
            connects.incrementAndGet();
            if (connects.get() > 1) {
                reconnects.incrementAndGet();
            }
            synchronized (unacked) {
                for (Pending p : unacked.values()) {
                    p.sentOnStream = -1; // every unacknowledged batch goes again on this stream
                }
            }
            lastHeartbeatAt = now;
            return s;
        } catch (RuntimeException e) {
            scheduleReconnect(now, Status.fromThrowable(e));
            return null;
        }
    }

    private void streamEnded(Stream s, long now) {
        if (stream == s) {
            stream = null;
        }
        scheduleReconnect(now, s.endStatus == null ? Status.UNAVAILABLE : s.endStatus);
    }

    private void scheduleReconnect(long now, Status status) {
        failures++;
        long base = options.reconnectInitial.toNanos();
        long max = options.reconnectMax.toNanos();
        long delay = base;
        for (int i = 1; i < failures && delay < max; i++) {
            delay *= 2;
        }
        delay = Math.min(delay, max);
        delay = (long) (delay * (0.75 + ThreadLocalRandom.current().nextDouble() * 0.5));
        nextConnectAt = now + delay;
        String why = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
        if (status.getCode() == Status.Code.UNAUTHENTICATED) {
            if (!outageLogged) {
                Log.warn("the collector at " + options.target + " refused the agent token (" + why
                        + "); retrying, the application is not affected");
                outageLogged = true;
            }
        } else if (!outageLogged) {
            Log.warn("collector " + options.target + " not reachable (" + why
                    + "); buffering and retrying with backoff, the application is not affected");
            outageLogged = true;
        } else {
            Log.debug("reconnect failed (" + why + "), next try in " + TimeUnit.NANOSECONDS.toMillis(delay) + " ms");
        }
    }

    private boolean caWarned;

    private ManagedChannel newChannel() {
        eventLoop = new NioEventLoopGroup(1, daemonThreads("peephole-grpc-io"));
        callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                daemonThreads("peephole-grpc"));
        NettyChannelBuilder builder = options.tls
                ? NettyChannelBuilder.forTarget(options.target, tlsCredentials())
                : NettyChannelBuilder.forTarget(options.target).usePlaintext();
        return builder
                .eventLoopGroup(eventLoop)
                .channelType(NioSocketChannel.class)
                .executor(callbacks)
                .offloadExecutor(callbacks)
                .maxInboundMessageSize(4 * 1024 * 1024)
                .keepAliveTime(30, TimeUnit.SECONDS)
                .build();
    }

    /** TLS that verifies the collector's certificate (and host name) against {@code ca} or the JVM's trust store. */
    private ChannelCredentials tlsCredentials() {
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        if (!options.caFile.isEmpty()) {
            try {
                b.trustManager(new File(options.caFile));
            } catch (IOException | RuntimeException e) {
                // Not plaintext instead: the JVM's trust store, so the handshake fails visibly unless it trusts the collector.
                if (!caWarned) {
                    Log.warn("CA file " + options.caFile + " could not be read (" + e.getMessage()
                            + "); verifying the collector against the JVM's trust store");
                    caWarned = true;
                }
            }
        }
        return b.build();
    }

    static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.getAndIncrement() == 0 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }

    private void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (eventLoop != null) {
            eventLoop.shutdownGracefully(0, 200, TimeUnit.MILLISECONDS);
        }
        if (callbacks != null) {
            callbacks.shutdown();
        }
    }

    /** Moves buffered spans and points into new batches when a batch is due. */
    private void buildBatches(long now, boolean force) {
        Stream open = stream;
        // with no stream, spans that do not fit are dropped unconverted (see Buffer.encodeWaiting)
        boolean sendable = force || (open != null && open.open);
        buffer.encodeWaiting(sendable);
        boolean due = force || now - lastBatchAt >= options.batchInterval.toNanos()
                || buffer.queuedSpans() >= options.batchMaxSpans;
        if (!due || buffer.isEmpty()) {
            return;
        }
        lastBatchAt = now;
        while (!buffer.isEmpty()) {
            if (!force && unackedBatches() >= options.maxInFlight) {
                return; // the collector is behind or away: data waits (bounded) in the buffer
            }
            buffer.encodeWaiting(sendable);
            List<byte[]> spanBytes = new ArrayList<>();
            List<MetricSeries> metrics = new ArrayList<>();
            int bytes = 0;
            int points = 0;
            while (spanBytes.size() < options.batchMaxSpans && bytes < options.batchMaxBytes && buffer.peekEncodedSize() >= 0) {
                byte[] span = buffer.pollEncoded();
                bytes += span.length + 4;
                spanBytes.add(span);
            }
            MetricSeries ms;
            while (points < options.batchMaxPoints && bytes < options.batchMaxBytes && (ms = buffer.pollSeries()) != null) {
                bytes += ms.getSerializedSize() + 4;
                metrics.add(ms);
                points += Math.max(1, ms.getPointsCount() + ms.getHistogramPointsCount());
            }
            int spans = spanBytes.size();
            if (spans == 0 && points == 0) {
                return;
            }
            synchronized (unacked) {
                long seq = nextSequence++;
                byte[] m = encodeBatch(seq, spanBytes, metrics);
                unacked.put(seq, new Pending(seq, m, bytes, spans, points));
                unackedBytes += bytes;
                while (unackedBytes > options.maxUnackedBytes && unacked.size() > 1) {
                    Pending old = unacked.pollFirstEntry().getValue();
                    unackedBytes -= old.bytes;
                    droppedUnackedSpans.addAndGet(old.spans);
                    droppedUnackedPoints.addAndGet(old.points);
                }
            }
            if (!force) {
                return; // one batch per step keeps the in-flight window honest
            }
        }
    }

    /**
     * The {@code AgentMessage} holding {@code Batch{sequence, spans, metrics}}, written from spans
     * already encoded: the same bytes protobuf writes for that message built from those spans.
     */
    static byte[] encodeBatch(long sequence, List<byte[]> spans, List<MetricSeries> metrics) {
        int body = sequence == 0 ? 0 : CodedOutputStream.computeUInt64Size(Batch.SEQUENCE_FIELD_NUMBER, sequence);
        int spanTag = CodedOutputStream.computeTagSize(Batch.SPANS_FIELD_NUMBER);
        for (byte[] s : spans) {
            body += spanTag + CodedOutputStream.computeUInt32SizeNoTag(s.length) + s.length;
        }
        for (MetricSeries m : metrics) {
            body += CodedOutputStream.computeMessageSize(Batch.METRICS_FIELD_NUMBER, m);
        }
        int total = CodedOutputStream.computeTagSize(AgentMessage.BATCH_FIELD_NUMBER)
                + CodedOutputStream.computeUInt32SizeNoTag(body) + body;
        byte[] out = new byte[total];
        CodedOutputStream o = CodedOutputStream.newInstance(out);
        try {
            o.writeTag(AgentMessage.BATCH_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
            o.writeUInt32NoTag(body);
            if (sequence != 0) {
                o.writeUInt64(Batch.SEQUENCE_FIELD_NUMBER, sequence);
            }
            for (byte[] s : spans) {
                o.writeTag(Batch.SPANS_FIELD_NUMBER, WireFormat.WIRETYPE_LENGTH_DELIMITED);
                o.writeUInt32NoTag(s.length);
                o.writeRawBytes(s);
            }
            for (MetricSeries m : metrics) {
                o.writeMessage(Batch.METRICS_FIELD_NUMBER, m);
            }
            o.checkNoSpaceLeft();
        } catch (IOException e) {
            throw new IllegalStateException("encoding a batch", e); // a byte array: cannot happen
        }
        return out;
    }

    private void sendUnsent(Stream s) {
        List<Pending> toSend = new ArrayList<>();
        synchronized (unacked) {
            for (Pending p : unacked.values()) {
                if (p.sentOnStream != s.id) {
                    toSend.add(p);
                }
            }
        }
        for (Pending p : toSend) {
            if (!s.open || !s.requests.isReady()) {
                return;
            }
            s.requests.onNext(p.message);
            p.sentOnStream = s.id;
            batchesSent.incrementAndGet();
        }
    }

    private void sendHeartbeat(Stream s) {
        if (!s.requests.isReady()) {
            return;
        }
        s.requests.onNext(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
                .setTimeUnixNano(System.currentTimeMillis() * 1_000_000L)
                .setDroppedSpans(droppedSpans())
                .setDroppedPoints(droppedPoints())
                .setQueuedBatches(unackedBatches())).build().toByteArray());
    }

    // ------------------------------------------------------------------ gRPC callbacks

    private void onAck(Ack ack) {
        Pending p;
        synchronized (unacked) {
            p = unacked.remove(ack.getSequence());
            if (p != null) {
                unackedBytes -= p.bytes;
            }
        }
        if (p != null) {
            batchesAcked.incrementAndGet();
            spansAcked.addAndGet(ack.getAcceptedSpans());
            pointsAcked.addAndGet(ack.getAcceptedPoints());
            spansRejected.addAndGet(ack.getRejectedSpans());
            pointsRejected.addAndGet(ack.getRejectedPoints());
            if (ack.getRejectedSpans() + ack.getRejectedPoints() > 0 && Log.debugEnabled()) {
                Log.debug("batch " + ack.getSequence() + ": collector refused " + ack.getRejectedSpans() + " spans, "
                        + ack.getRejectedPoints() + " points " + ack.getReasonsList());
            }
        }
        wake();
    }

    private void onSettings(Stream s, Settings settings) {
        failures = 0;
        if (outageLogged) {
            Log.info("connected to collector " + options.target + " as " + identity.agentId
                    + (everConnected ? " again" : ""));
        } else if (!everConnected) {
            Log.debug("connected to collector " + options.target + " as " + identity.agentId);
        }
        everConnected = true;
        outageLogged = false;
        if (settings.getVersion() < settingsVersion) {
            return;
        }
        settingsVersion = settings.getVersion();
        if (settings.getHeartbeatIntervalSeconds() > 0) {
            heartbeatNanos = TimeUnit.SECONDS.toNanos(settings.getHeartbeatIntervalSeconds());
        }
        try {
            settingsListener.accept(settings);
        } catch (RuntimeException e) {
            Log.warn("applying the collector's settings failed", e);
        }
        wake();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** For tests: the sequences not yet acknowledged. */
    List<Long> unackedSequences() {
        synchronized (unacked) {
            return new ArrayList<>(unacked.keySet());
        }
    }
}
