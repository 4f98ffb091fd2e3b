package dev.peephole.collector.export;

import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;

/**
 * The spans of one stored batch, handed to the {@link SpanForwarder} after their commit.
 * Converting them to OpenTelemetry's {@link SpanData} is left to the export thread, so the
 * ingest thread only offers them.
 */
public interface ExportableSpans {

    /** How many spans; what they take of the export queue. */
    int count();

    /** The spans as the OTLP exporters take them; called once, on the export thread. */
    List<SpanData> toSpanData();
}
