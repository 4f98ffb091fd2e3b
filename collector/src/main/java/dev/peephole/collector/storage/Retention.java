package dev.peephole.collector.storage;

import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.time.Duration;

/** How long each kind of data is kept. */
@Singleton
public class Retention {

    private final Duration spans;
    private final Duration points;
    private final Duration rollups;

    public Retention(@Value("${peephole.retention.spans:7d}") Duration spans,
                     @Value("${peephole.retention.points:7d}") Duration points,
                     @Value("${peephole.retention.rollups:90d}") Duration rollups) {
        this.spans = spans;
        this.points = points;
        this.rollups = rollups;
    }

    public Duration spans() {
        return spans;
    }

    public Duration points() {
        return points;
    }

    /** Both the 1-minute and the 1-hour rollups. */
    public Duration rollups() {
        return rollups;
    }
}
