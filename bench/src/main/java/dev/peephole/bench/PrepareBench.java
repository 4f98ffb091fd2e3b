package dev.peephole.bench;

import dev.peephole.collector.ingest.AgentIdentity;
import dev.peephole.collector.ingest.BatchPreparer;
import dev.peephole.collector.ingest.IngestLimits;
import dev.peephole.collector.ingest.PreparedBatch;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.Batch;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The collector's own CPU for one agent batch, without the network and the database: the
 * protobuf message parsed from its bytes (as the gRPC stream hands it over) and turned into COPY
 * rows by {@link BatchPreparer}. The same batches as the ingest load generator sends (1000 spans
 * of doorbell traces; 1000 points over 200 series), from 8 agents in turn. {@code bench/run-prepare.sh} runs it against
 * two builds of the collector side by side.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrepareBench {
    @Param({"points", "spans"})
    public String kind;

    /** As many agents as the ingest bench plays, each with its own series: the preparer's caches hold them all. */
    private static final int AGENTS = 8;

    private final byte[][] messages = new byte[AGENTS][];
    private final AgentIdentity[] agents = new AgentIdentity[AGENTS];
    private BatchPreparer preparer;
    private long nowNanos;
    private int next;

    @Setup
    public void setUp() {
        nowNanos = System.currentTimeMillis() * 1_000_000L;
        Random rnd = new Random(42);
        List<Shapes.SeriesShape> series = Shapes.series(200);
        for (int a = 0; a < AGENTS; a++) {
            agents[a] = new AgentIdentity("agent-" + a, "session-" + a, "doorbell", "bench-host-" + a);
            Batch.Builder batch = Batch.newBuilder().setSequence(1);
            if (kind.equals("spans")) {
                batch.addAllSpans(Shapes.spanBatch(1000, nowNanos, rnd));
            } else {
                batch.addAllMetrics(Shapes.metricBatch(series, 1000, nowNanos, rnd));
            }
            messages[a] = AgentMessage.newBuilder().setBatch(batch).build().toByteArray();
        }
        // Ingest statistics and the OTLP forwarder are not touched by a batch that is stored
        // whole and not forwarded.
        preparer = new BatchPreparer(new IngestLimits(Duration.ofHours(24), 10_000), null, null);
    }

    @Benchmark
    public PreparedBatch parseAndPrepare() throws Exception {
        int a = next;
        next = (a + 1) % AGENTS;
        return preparer.prepare(agents[a], AgentMessage.parseFrom(messages[a]).getBatch(), nowNanos);
    }
}
