package dev.peephole.agent.core.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.agent.core.transport.Buffer;
import org.junit.jupiter.api.Test;

/** The bridge's dispatcher from premain on: the tracer is made on first need, once. */
class LazyTracingTest {

    private static LazyTracing lazy() {
        return new LazyTracing(new MethodRegistry(), new Buffer(100, 100, 10), 1.0, null);
    }

    @Test
    void beforeTheTracerIsMadeExecutorsAndQueuesPassThroughUntouchedAndMakeNoTracer() {
        LazyTracing t = lazy();
        Runnable task = () -> { };
        assertThat(t.wrap(task)).isSameAs(task);
        Object item = new Object();
        assertThat(t.enqueue(item)).isFalse();
        t.enqueueFailed(item);
        t.dequeued(item);
        t.exit(new Object(), null, null);
        assertThat(t.ifReady()).isNull();
    }

    @Test
    void theFirstWovenMethodMakesTheTracerAndItIsMadeOnce() {
        LazyTracing t = lazy();
        assertThat(t.enter(12345, null, new Object[0])).isNull(); // no such method: no span, but a tracer
        Tracing made = t.ifReady();
        assertThat(made).isNotNull();
        assertThat(t.get()).isSameAs(made);
        assertThat(t.enterHttp(null, null)).isNull();
        assertThat(t.ifReady()).isSameAs(made);
    }

    @Test
    void aSamplingRatioSetBeforeTheTracerExistsIsTheTracersRatio() {
        LazyTracing t = lazy();
        t.setSamplingRatio(0.25);
        assertThat(t.samplingRatio()).isEqualTo(0.25);
        assertThat(t.get().sampler().ratio()).isEqualTo(0.25);
        t.setSamplingRatio(0.5);
        assertThat(t.get().sampler().ratio()).isEqualTo(0.5);
    }
}
