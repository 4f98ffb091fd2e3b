package dev.peephole.agent.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import dev.peephole.proto.v1.NumberPoint;
import dev.peephole.proto.v1.Settings;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SenderTest {

    private static Identity identity() {
        return new Identity("test@host", "svc", "1.0", "host", 42, "test", 1L, Collections.emptyMap());
    }

    private static Sender.Options options(int port) {
        Sender.Options o = new Sender.Options();
        o.target = "127.0.0.1:" + port;
        o.token = "secret";
        o.batchInterval = Duration.ofMillis(100);
        o.batchMaxPoints = 3;
        o.reconnectInitial = Duration.ofMillis(50);
        o.reconnectMax = Duration.ofMillis(200);
        return o;
    }

    private static MetricSeries point(double v) {
        return MetricSeries.newBuilder().setName("test.value").setType(MetricType.METRIC_TYPE_GAUGE)
                .addPoints(NumberPoint.newBuilder().setTimeUnixNano(1).setValue(v)).build();
    }

    private static AgentMessage nextOfKind(FakeCollector fake, AgentMessage.KindCase kind) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            AgentMessage m = fake.next(1);
            if (m != null && m.getKindCase() == kind) {
                return m;
            }
        }
        throw new AssertionError("no " + kind + " within 10 s");
    }

    @Test
    void helloFirstWithTheBearerTokenThenBatchesWithIncreasingSequences() throws Exception {
        try (FakeCollector fake = new FakeCollector(0)) {
            Buffer buffer = new Buffer(100, 100, 10);
            Sender sender = new Sender(options(fake.port()), buffer, identity(), s -> { });
            sender.start();
            try {
                AgentMessage first = fake.next(10);
                assertThat(first.hasHello()).isTrue();
                Hello h = first.getHello();
                assertThat(h.getAgentId()).isEqualTo("test@host");
                assertThat(h.getServiceName()).isEqualTo("svc");
                assertThat(h.getPid()).isEqualTo(42);
                assertThat(h.getSessionId()).hasSize(36);
                assertThat(h.getJvmVersion()).isNotEmpty();
                assertThat(fake.authHeaders).containsExactly("Bearer secret");

                for (int i = 0; i < 7; i++) {
                    buffer.offerSeries(point(i));
                }
                List<Long> seqs = new ArrayList<>();
                int points = 0;
                while (points < 7) {
                    AgentMessage b = nextOfKind(fake, AgentMessage.KindCase.BATCH);
                    seqs.add(b.getBatch().getSequence());
                    points += b.getBatch().getMetricsCount();
                    assertThat(b.getBatch().getMetricsCount()).isLessThanOrEqualTo(3);
                }
                assertThat(seqs).containsExactly(1L, 2L, 3L);
                await(() -> sender.unackedBatches() == 0);
                assertThat(sender.batchesAcked()).isEqualTo(3);
            } finally {
                sender.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void unacknowledgedBatchesAreSentAgainAfterAReconnect() throws Exception {
        try (FakeCollector fake = new FakeCollector(0)) {
            fake.ack = false;
            Buffer buffer = new Buffer(100, 100, 10);
            Sender sender = new Sender(options(fake.port()), buffer, identity(), s -> { });
            sender.start();
            try {
                nextOfKind(fake, AgentMessage.KindCase.HELLO);
                for (int i = 0; i < 6; i++) {
                    buffer.offerSeries(point(i));
                }
                assertThat(nextOfKind(fake, AgentMessage.KindCase.BATCH).getBatch().getSequence()).isEqualTo(1);
                assertThat(nextOfKind(fake, AgentMessage.KindCase.BATCH).getBatch().getSequence()).isEqualTo(2);
                assertThat(sender.unackedBatches()).isEqualTo(2);

                fake.ack = true;
                fake.dropStreams();
                AgentMessage hello = nextOfKind(fake, AgentMessage.KindCase.HELLO);
                assertThat(hello.getHello().getAgentId()).isEqualTo("test@host");
                List<Long> resent = new ArrayList<>();
                resent.add(nextOfKind(fake, AgentMessage.KindCase.BATCH).getBatch().getSequence());
                resent.add(nextOfKind(fake, AgentMessage.KindCase.BATCH).getBatch().getSequence());
                assertThat(resent).containsExactly(1L, 2L);
                await(() -> sender.unackedBatches() == 0);
                assertThat(sender.reconnects()).isEqualTo(1);
            } finally {
                sender.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void settingsAreAppliedAndHeartbeatsReportWhatWasDropped() throws Exception {
        try (FakeCollector fake = new FakeCollector(0)) {
            fake.settings = Settings.newBuilder().setVersion(3).setSamplingRatio(0.5).setHeartbeatIntervalSeconds(1).build();
            Buffer buffer = new Buffer(100, 5, 10);
            List<Settings> applied = new CopyOnWriteArrayList<>();
            Sender.Options o = options(fake.port());
            o.batchInterval = Duration.ofSeconds(30);
            Sender sender = new Sender(o, buffer, identity(), applied::add);
            for (int i = 0; i < 12; i++) {
                buffer.offerSeries(point(i)); // before the sender runs: 7 of them are dropped
            }
            assertThat(buffer.droppedPoints()).isEqualTo(7);
            sender.start();
            try {
                AgentMessage hb = nextOfKind(fake, AgentMessage.KindCase.HEARTBEAT);
                assertThat(hb.getHeartbeat().getDroppedPoints()).isEqualTo(7);
                assertThat(applied).isNotEmpty();
                assertThat(applied.get(0).getSamplingRatio()).isEqualTo(0.5);

                fake.push(Settings.newBuilder().setVersion(2).setSamplingRatio(0.1).build()); // older: ignored
                fake.push(Settings.newBuilder().setVersion(4).setSamplingRatio(0.2).build());
                await(() -> applied.size() == 2);
                Thread.sleep(200);
                assertThat(applied).hasSize(2);
                assertThat(applied.get(1).getSamplingRatio()).isEqualTo(0.2);
            } finally {
                sender.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void withoutACollectorOfferingNeverBlocksAndTheBufferStaysBounded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Buffer buffer = new Buffer(100, 1000, 10);
        Sender sender = new Sender(options(port), buffer, identity(), s -> { });
        sender.start();
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < 200_000; i++) {
                buffer.offerSeries(point(i));
            }
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(ms).as("200k offers without a collector").isLessThan(5000);
            Thread.sleep(300);
            assertThat(buffer.queuedPoints()).isLessThanOrEqualTo(1000);
            assertThat(sender.droppedPoints()).isGreaterThan(150_000);
            assertThat(sender.isConnected()).isFalse();
        } finally {
            long t0 = System.nanoTime();
            sender.shutdown(Duration.ofMillis(500));
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(2000);
        }
    }

    @Test
    void theFinalFlushSendsWhatIsBufferedAndWaitsForTheAck() throws Exception {
        try (FakeCollector fake = new FakeCollector(0)) {
            Buffer buffer = new Buffer(100, 100, 10);
            Sender.Options o = options(fake.port());
            o.batchInterval = Duration.ofSeconds(30);
            Sender sender = new Sender(o, buffer, identity(), s -> { });
            sender.start();
            nextOfKind(fake, AgentMessage.KindCase.HELLO);
            buffer.offerSeries(point(1));
            buffer.offerSeries(point(2));
            sender.shutdown(Duration.ofSeconds(2));
            assertThat(sender.unackedBatches()).isZero();
            assertThat(sender.batchesAcked()).isEqualTo(1);
        }
    }

    @Test
    void withoutACollectorTheFinalFlushTriesOnceAndReturns() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Sender.Options o = options(port);
        o.reconnectInitial = Duration.ofSeconds(5); // the sender's own loop does not try again during the test
        o.reconnectMax = Duration.ofSeconds(5);
        Buffer buffer = new Buffer(100, 100, 10);
        Sender sender = new Sender(o, buffer, identity(), s -> { });
        sender.start();
        for (int i = 0; i < 10; i++) {
            buffer.offerSeries(point(i));
        }
        await(() -> sender.connects.get() >= 1 && !sender.isConnected());
        Thread.sleep(200); // the first stream has failed; the loop's next attempt would wait 3.75 s or more
        long before = sender.connects.get();
        long t0 = System.nanoTime();
        sender.shutdown(Duration.ofSeconds(2));
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(sender.connects.get() - before).as("stream opens during the final flush").isLessThanOrEqualTo(1);
        assertThat(took).as("final flush with no collector, ms").isLessThan(3000);
        assertThat(sender.unackedBatches()).isPositive();
    }

    static void await(java.util.function.BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aBatchWrittenFromEncodedSpansIsByteForByteTheMessageProtobufWrites() throws Exception {
        java.util.List<dev.peephole.proto.v1.Span> spans = new java.util.ArrayList<>();
        java.util.List<byte[]> encoded = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            dev.peephole.proto.v1.Span s = dev.peephole.proto.v1.Span.newBuilder().setName("s" + i)
                    .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16]))
                    .setSpanId(com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, (byte) i}))
                    .setStartTimeUnixNano(1_000L * i).setEndTimeUnixNano(2_000L * i + 1)
                    .addAttributes(dev.peephole.proto.v1.KeyValue.newBuilder().setKey("k")
                            .setValue(dev.peephole.proto.v1.AnyValue.newBuilder().setStringValue("v" + "x".repeat(200 * i))))
                    .build();
            spans.add(s);
            encoded.add(s.toByteArray());
        }
        dev.peephole.proto.v1.MetricSeries m = dev.peephole.proto.v1.MetricSeries.newBuilder().setName("jvm.thread.count").build();
        for (long seq : new long[] {1, 300, Long.MAX_VALUE}) {
            byte[] expected = dev.peephole.proto.v1.AgentMessage.newBuilder().setBatch(dev.peephole.proto.v1.Batch.newBuilder()
                    .setSequence(seq).addAllSpans(spans).addMetrics(m)).build().toByteArray();
            assertThat(Sender.encodeBatch(seq, encoded, java.util.List.of(m))).isEqualTo(expected);
        }
        byte[] empty = dev.peephole.proto.v1.AgentMessage.newBuilder().setBatch(dev.peephole.proto.v1.Batch.newBuilder()
                .setSequence(7).addMetrics(m)).build().toByteArray();
        assertThat(Sender.encodeBatch(7, java.util.List.of(), java.util.List.of(m))).isEqualTo(empty);
    }

    /** CPU time the live peephole-sender threads used over {@code ms}. */
    private static long senderCpuMillisOver(long ms) throws InterruptedException {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        java.util.Map<Long, Long> before = new java.util.HashMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("peephole-sender")) {
                before.put(t.getId(), mx.getThreadCpuTime(t.getId()));
            }
        }
        assertThat(before).as("a running sender thread").isNotEmpty();
        Thread.sleep(ms);
        long used = 0;
        for (java.util.Map.Entry<Long, Long> e : before.entrySet()) {
            long now = mx.getThreadCpuTime(e.getKey());
            if (now >= 0) {
                used += now - e.getValue();
            }
        }
        return TimeUnit.NANOSECONDS.toMillis(used);
    }

    @Test
    void theSenderThreadSleepsWhenThereIsNothingToSendAndWhenTheCollectorIsAway() throws Exception {
        // Connected, nothing buffered: it wakes for the batch interval and heartbeats, and sleeps between.
        try (FakeCollector fake = new FakeCollector(0)) {
            Sender.Options o = options(fake.port());
            o.heartbeatInterval = Duration.ofMillis(200);
            Sender sender = new Sender(o, new Buffer(100, 100, 10), identity(), s -> { });
            sender.start();
            try {
                assertThat(fake.next(10).hasHello()).isTrue();
                Thread.sleep(1_500); // past several batch intervals and heartbeats
                assertThat(senderCpuMillisOver(2_000)).as("sender CPU over 2 s, idle and connected").isLessThan(200);
            } finally {
                sender.shutdown(Duration.ofMillis(500));
            }
        }
        // Nowhere to connect to: between reconnect attempts it sleeps too (no heartbeat is due without a stream).
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Sender.Options o = options(port);
        o.heartbeatInterval = Duration.ofMillis(200);
        o.reconnectMax = Duration.ofSeconds(1);
        Buffer buffer = new Buffer(100, 100, 10);
        Sender sender = new Sender(o, buffer, identity(), s -> { });
        sender.start();
        try {
            for (int i = 0; i < 50; i++) {
                buffer.offerSeries(point(i));
            }
            Thread.sleep(1_500);
            assertThat(senderCpuMillisOver(2_000)).as("sender CPU over 2 s, no collector").isLessThan(200);
            assertThat(sender.isConnected()).isFalse();
        } finally {
            sender.shutdown(Duration.ofMillis(500));
        }
    }
}
