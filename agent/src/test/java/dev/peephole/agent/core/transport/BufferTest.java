package dev.peephole.agent.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.agent.core.trace.PeepholeSpanExporter;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The span buffer: bounded, oldest dropped and counted, order kept, safe across threads. */
class BufferTest {
    private static void endSpans(Buffer buffer, String prefix, int n) {
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .addSpanProcessor(new PeepholeSpanExporter(buffer).processor()).build();
        Tracer tracer = provider.get("test");
        for (int i = 0; i < n; i++) {
            tracer.spanBuilder(prefix + i).startSpan().end();
        }
    }

    private static List<String> drain(Buffer buffer) {
        List<String> names = new ArrayList<>();
        SpanData s;
        while ((s = buffer.pollSpan()) != null) {
            names.add(s.getName());
        }
        return names;
    }

    @Test
    void whenFullTheOldestSpansAreDroppedAndCountedAndTheRestComeOutInOrder() {
        Buffer buffer = new Buffer(5, 10, 100);
        endSpans(buffer, "a", 3);
        assertThat(buffer.queuedSpans()).isEqualTo(3);
        assertThat(drain(buffer)).containsExactly("a0", "a1", "a2");
        assertThat(buffer.queuedSpans()).isZero();
        assertThat(buffer.isEmpty()).isTrue();
        // the ring has wrapped: 3 slots used and freed; now 12 spans into 5 slots
        endSpans(buffer, "b", 12);
        assertThat(buffer.queuedSpans()).isEqualTo(5);
        assertThat(buffer.droppedSpans()).isEqualTo(7);
        assertThat(drain(buffer)).containsExactly("b7", "b8", "b9", "b10", "b11");
        assertThat(buffer.pollSpan()).isNull();
        endSpans(buffer, "c", 2);
        assertThat(drain(buffer)).containsExactly("c0", "c1");
        assertThat(buffer.droppedSpans()).isEqualTo(7);
    }

    private static List<String> drainEncoded(Buffer buffer) throws Exception {
        List<String> names = new ArrayList<>();
        byte[] b;
        while ((b = buffer.pollEncoded()) != null) {
            names.add(dev.peephole.proto.v1.Span.parseFrom(b).getName());
        }
        return names;
    }

    @Test
    void encodedSpansStayInOrderCountAsQueuedAndShareTheBoundWithTheRing() throws Exception {
        Buffer buffer = new Buffer(5, 10, 100);
        endSpans(buffer, "a", 3);
        assertThat(buffer.encodeWaiting()).isEqualTo(3);
        assertThat(buffer.queuedSpans()).isEqualTo(3);
        endSpans(buffer, "b", 2);
        assertThat(buffer.queuedSpans()).isEqualTo(5);
        assertThat(buffer.droppedSpans()).isZero();
        // 4 more: the ring (5 slots) drops b0 for them; encoded and ring together hold 5, the oldest encoded go
        endSpans(buffer, "c", 4);
        assertThat(buffer.encodeWaiting()).isEqualTo(5);
        assertThat(buffer.queuedSpans()).isEqualTo(5);
        assertThat(buffer.droppedSpans()).isEqualTo(4);
        assertThat(drainEncoded(buffer)).containsExactly("b1", "c0", "c1", "c2", "c3");
        assertThat(buffer.isEmpty()).isTrue();
        // what the sender sends is the protocol's Span, as the converter makes it
        endSpans(buffer, "d", 1);
        buffer.encodeWaiting();
        assertThat(dev.peephole.proto.v1.Span.parseFrom(buffer.pollEncoded()).getSpanId().size()).isEqualTo(8);
    }

    @Test
    void withNoStreamTheHeldSpansStayAndNewOnesThatDoNotFitAreDroppedUnconverted() throws Exception {
        Buffer buffer = new Buffer(5, 10, 100);
        endSpans(buffer, "a", 3);
        assertThat(buffer.encodeWaiting(false)).isEqualTo(3);
        // 4 more with room for 2: b0 and b1 are kept, b2 and b3 dropped without being converted
        endSpans(buffer, "b", 4);
        assertThat(buffer.encodeWaiting(false)).isEqualTo(2);
        assertThat(buffer.queuedSpans()).isEqualTo(5);
        assertThat(buffer.droppedSpans()).isEqualTo(2);
        // still no stream and full: everything new goes
        endSpans(buffer, "c", 3);
        assertThat(buffer.encodeWaiting(false)).isZero();
        assertThat(buffer.queuedSpans()).isEqualTo(5);
        assertThat(buffer.droppedSpans()).isEqualTo(5);
        // a stream again: the newest are kept and the oldest make room, as before
        endSpans(buffer, "d", 2);
        assertThat(buffer.encodeWaiting(true)).isEqualTo(2);
        assertThat(buffer.droppedSpans()).isEqualTo(7);
        assertThat(drainEncoded(buffer)).containsExactly("a2", "b0", "b1", "d0", "d1");
        // the ring was emptied, not left half-cleared: it takes and gives spans in order again
        endSpans(buffer, "e", 5);
        assertThat(buffer.encodeWaiting(false)).isEqualTo(5);
        assertThat(drainEncoded(buffer)).containsExactly("e0", "e1", "e2", "e3", "e4");
        assertThat(buffer.isEmpty()).isTrue();
    }

    @Test
    void theSenderIsWokenWhenTheQueuedSpansReachTheBatchSize() {
        Buffer buffer = new Buffer(100, 10, 4);
        AtomicInteger wakes = new AtomicInteger();
        buffer.onFull(wakes::incrementAndGet);
        endSpans(buffer, "a", 3);
        assertThat(wakes).hasValue(0);
        endSpans(buffer, "b", 3);
        assertThat(wakes).hasValue(1);
    }

    @Test
    void spansOfferedFromManyThreadsWhileOneDrainsAreEachTakenOnceOrCountedAsDropped() throws Exception {
        Buffer buffer = new Buffer(64, 10, 1_000_000);
        int threads = 4;
        int perThread = 5_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String prefix = "t" + t + "-";
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                endSpans(buffer, prefix, perThread);
            });
            th.start();
            producers.add(th);
        }
        start.countDown();
        List<String> taken = new ArrayList<>();
        while (producers.stream().anyMatch(Thread::isAlive)) {
            taken.addAll(drain(buffer));
        }
        for (Thread th : producers) {
            th.join();
        }
        taken.addAll(drain(buffer));
        assertThat(taken).doesNotHaveDuplicates();
        assertThat(taken.size() + buffer.droppedSpans()).isEqualTo((long) threads * perThread);
        // each producer's spans come out in the order it ended them
        for (int t = 0; t < threads; t++) {
            String prefix = "t" + t + "-";
            int last = -1;
            for (String n : taken) {
                if (n.startsWith(prefix)) {
                    int i = Integer.parseInt(n.substring(prefix.length()));
                    assertThat(i).isGreaterThan(last);
                    last = i;
                }
            }
        }
    }
}
