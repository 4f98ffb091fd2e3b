package dev.peephole.agent.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ContextHandoffTest {
    static Context ctx(String spanId) {
        return Context.root().with(Span.wrap(SpanContext.create("0af7651916cd43dd8448eb211c80319c", spanId,
                TraceFlags.getSampled(), TraceState.getDefault())));
    }

    @Test
    void anItemQueuedUnderAContextHandsItToTheThreadThatTakesIt() throws Exception {
        ContextHandoff h = new ContextHandoff(100);
        Object frame = new Object();
        Context producer = ctx("b7ad6b7169203331");
        try (Scope s = producer.makeCurrent()) {
            assertThat(h.enqueue(frame)).isTrue();
        }
        AtomicReference<Context> before = new AtomicReference<>();
        AtomicReference<Context> seen = new AtomicReference<>();
        Thread consumer = new Thread(() -> {
            before.set(h.current());
            h.dequeued(frame);
            seen.set(h.current());
        });
        consumer.start();
        consumer.join();
        assertThat(before.get()).isSameAs(Context.root());
        assertThat(seen.get()).isSameAs(producer);
        assertThat(h.carriedCount()).isZero();
    }

    @Test
    void aCarriedContextKeepsTheSpansIdentityButNotTheSpanItself() {
        io.opentelemetry.sdk.trace.SdkTracerProvider provider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                .setSampler(io.opentelemetry.sdk.trace.samplers.Sampler.alwaysOn())
                .addSpanProcessor(new PeepholeSpanExporter(new dev.peephole.agent.core.transport.Buffer(10, 10, 10)).processor())
                .build();
        try {
            Span recording = provider.get("t").spanBuilder("Camera.capture").setAttribute("k", "v").startSpan();
            Context producer = Context.root().with(recording);
            ContextHandoff h = new ContextHandoff(100);
            Object frame = new Object();
            h.produced(frame, producer);
            recording.end();
            assertThat(h.enqueue(frame)).isTrue();
            h.dequeued(frame);
            Span carried = Span.fromContext(h.current());
            assertThat(carried).isNotSameAs(recording);
            assertThat(carried.isRecording()).isFalse();
            assertThat(carried.getSpanContext()).isEqualTo(recording.getSpanContext());
            // a child started from it is the same child it would be of the span itself
            Span child = provider.get("t").spanBuilder("FaceDetector.detect").setParent(h.current()).startSpan();
            assertThat(child.getSpanContext().getTraceId()).isEqualTo(recording.getSpanContext().getTraceId());
            assertThat(((io.opentelemetry.sdk.trace.ReadableSpan) child).getParentSpanContext())
                    .isEqualTo(recording.getSpanContext());
            child.end();
        } finally {
            provider.shutdown();
        }
    }

    @Test
    void theNextItemTakenReplacesTheHandOffContextAndAnItemWithoutOneClearsIt() {
        ContextHandoff h = new ContextHandoff(100);
        Object a = new Object();
        Object b = new Object();
        h.produced(a, ctx("b7ad6b7169203331"));
        h.enqueue(a);
        h.dequeued(a);
        assertThat(Span.fromContext(h.current()).getSpanContext().getSpanId()).isEqualTo("b7ad6b7169203331");
        h.dequeued(b);
        assertThat(h.current()).isSameAs(Context.root());
    }

    @Test
    void aTaskCarriesTheSubmittersContextAndNothingIsWrappedWithoutOne() throws Exception {
        ContextHandoff h = new ContextHandoff(100);
        Runnable r = () -> { };
        assertThat(h.wrap(r)).isSameAs(r);
        Context c = ctx("00f067aa0ba902b7");
        AtomicReference<Context> inside = new AtomicReference<>();
        Runnable wrapped;
        try (Scope s = c.makeCurrent()) {
            wrapped = h.wrap(() -> inside.set(Context.current()));
        }
        Thread t = new Thread(wrapped);
        t.start();
        t.join();
        assertThat(inside.get()).isSameAs(c);
    }

    @Test
    void theMapOfCarriedContextsIsBoundedAndWeak() {
        ContextHandoff h = new ContextHandoff(10);
        Context c = ctx("00f067aa0ba902b7");
        try (Scope s = c.makeCurrent()) {
            for (int i = 0; i < 50; i++) {
                h.enqueue(new Object());
            }
        }
        assertThat(h.refused()).isGreaterThanOrEqualTo(30);
        long deadline = System.currentTimeMillis() + 10_000;
        while (h.carriedCount() > 0 && System.currentTimeMillis() < deadline) {
            System.gc();
        }
        assertThat(h.carriedCount()).as("entries of collected items go away").isZero();
    }

    @Test
    void aProducedObjectEntersTheMapOnlyWhenItsThreadQueuesIt() {
        ContextHandoff h = new ContextHandoff(100);
        Context capture = ctx("b7ad6b7169203331");
        Object frame = new Object();
        h.produced(frame, capture);
        for (int i = 0; i < 1_000; i++) {
            h.produced(new Object(), ctx("00f067aa0ba902b7"));
        }
        assertThat(h.carriedCount()).as("objects never queued take no entry").isZero();
        try (Scope s = capture.makeCurrent()) {
            assertThat(h.enqueue(null)).as("a null item (the queue throws) is never recorded").isFalse();
        }

        Object next = new Object();
        h.produced(next, capture);
        h.produced(new Object(), ctx("00f067aa0ba902b7"));
        // queued under another span, it still carries the context it was produced under
        try (Scope s = ctx("a3ce929d0e0e4736").makeCurrent()) {
            assertThat(h.enqueue(next)).isTrue();
        }
        assertThat(h.carriedCount()).isOne();
        h.dequeued(next);
        assertThat(Span.fromContext(h.current()).getSpanContext().getSpanId()).isEqualTo("b7ad6b7169203331");
    }

    @Test
    void anItemThatDidNotGoInKeepsItsContextForTheNextTry() {
        ContextHandoff h = new ContextHandoff(100);
        Object frame = new Object();
        h.produced(frame, ctx("b7ad6b7169203331"));
        assertThat(h.enqueue(frame)).isTrue();
        h.enqueueFailed(frame);
        assertThat(h.carriedCount()).isZero();
        assertThat(h.enqueue(frame)).as("the retry carries the produced context").isTrue();
        h.dequeued(frame);
        assertThat(Span.fromContext(h.current()).getSpanContext().getSpanId()).isEqualTo("b7ad6b7169203331");
    }

    @Test
    void anObjectProducedOnOneThreadAndQueuedOnAnotherCarriesTheQueuingThreadsContext() throws Exception {
        ContextHandoff h = new ContextHandoff(100);
        Object frame = new Object();
        h.produced(frame, ctx("b7ad6b7169203331"));
        AtomicReference<Boolean> recorded = new AtomicReference<>();
        Thread other = new Thread(() -> recorded.set(h.enqueue(frame)));
        other.start();
        other.join();
        assertThat(recorded.get()).as("no context on the queuing thread: nothing carried").isFalse();
    }
}
