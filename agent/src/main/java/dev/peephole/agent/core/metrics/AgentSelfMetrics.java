package dev.peephole.agent.core.metrics;

import dev.peephole.agent.core.transport.Buffer;
import dev.peephole.agent.core.transport.Sender;

/** The agent's own numbers: queued, sent, dropped, reconnects. */
public final class AgentSelfMetrics implements MetricSource {
    private final Buffer buffer;
    private final Sender sender;

    public AgentSelfMetrics(Buffer buffer, Sender sender) {
        this.buffer = buffer;
        this.sender = sender;
    }

    @Override
    public void collect(SeriesBuilder out) {
        out.gauge("peephole.agent.queue.spans", "{span}", "spans waiting for a batch", buffer.queuedSpans());
        out.gauge("peephole.agent.queue.points", "{point}", "metric points waiting for a batch", buffer.queuedPoints());
        out.gauge("peephole.agent.batches.unacknowledged", "{batch}", "batches sent or waiting, not yet acknowledged",
                sender.unackedBatches());
        out.counter("peephole.agent.batches.sent", "{batch}", "batches sent (re-sends included)", sender.batchesSent());
        out.counter("peephole.agent.spans.sent", "{span}", "spans the collector acknowledged", sender.spansAcked());
        out.counter("peephole.agent.points.sent", "{point}", "metric points the collector acknowledged", sender.pointsAcked());
        out.counter("peephole.agent.spans.dropped", "{span}", "spans dropped because the buffer was full",
                sender.droppedSpans());
        out.counter("peephole.agent.points.dropped", "{point}", "metric points dropped because the buffer was full",
                sender.droppedPoints());
        out.counter("peephole.agent.reconnects", "{reconnect}", "streams opened again after a failure", sender.reconnects());
    }
}
