package dev.peephole.agent.core.trace;

import dev.peephole.agent.core.transport.Buffer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;

/**
 * The SDK's exporter into the agent's batcher: sampled spans go into the bounded {@link Buffer}
 * (dropping the oldest when full); the {@code peephole-sender} thread converts them to SpanData
 * and the protocol's form and sends them. {@link #processor()} hands each ended span over at
 * once, on the thread that ended it, without locks, I/O or copying.
 */
public final class PeepholeSpanExporter implements SpanExporter {
    private final Buffer buffer;

    public PeepholeSpanExporter(Buffer buffer) {
        this.buffer = buffer;
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData s : spans) {
            buffer.offerSpan(s);
        }
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
        return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
    }

    /** A span processor that exports every sampled span as it ends. */
    public SpanProcessor processor() {
        return new SpanProcessor() {
            @Override
            public void onStart(Context parentContext, ReadWriteSpan span) {
            }

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {
                if (span.getSpanContext().isSampled()) {
                    // The span is immutable once ended; the sender thread makes its SpanData.
                    buffer.offerSpan(span);
                }
            }

            @Override
            public boolean isEndRequired() {
                return true;
            }
        };
    }
}
