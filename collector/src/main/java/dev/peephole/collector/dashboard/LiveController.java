package dev.peephole.collector.dashboard;

import dev.peephole.collector.grpc.AgentStreams;
import dev.peephole.collector.ingest.IngestStats;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.sse.Event;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Duration;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;

/**
 * Server-sent events for the open dashboard: every two seconds a {@code tick} with how many
 * batches this collector has committed and how many agents are connected, so the page
 * refreshes its view when new data is in, without a reload.
 */
@Controller("/api/v1/live")
public class LiveController {

    static final Duration INTERVAL = Duration.ofSeconds(2);
    private final IngestStats stats;
    private final AgentStreams streams;

    public LiveController(IngestStats stats, AgentStreams streams) {
        this.stats = stats;
        this.streams = streams;
    }

    @Serdeable
    public record Tick(long time, long batchesCommitted, int agentsConnected) {
    }

    @Get(produces = MediaType.TEXT_EVENT_STREAM)
    public Publisher<Event<Tick>> live() {
        return Flux.interval(Duration.ZERO, INTERVAL)
                .map(i -> Event.of(new Tick(System.currentTimeMillis(), stats.batchesCommitted.sum(),
                        streams.connectedCount())).name("tick").id(Long.toString(i)));
    }
}
