package dev.peephole.doorbell;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock that moves on by a fixed step every time it is read: frame times at an exact rate. */
public final class SteppingClock extends Clock {
    private final Instant start;
    private final Duration step;
    private long reads;

    public SteppingClock(Instant start, Duration step) {
        this.start = start;
        this.step = step;
    }

    public static SteppingClock atFps(int fps) {
        return new SteppingClock(Instant.parse("2025-06-01T12:00:00Z"), Duration.ofNanos(1_000_000_000L / fps));
    }

    @Override
    public synchronized Instant instant() {
        return start.plus(step.multipliedBy(reads++));
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
