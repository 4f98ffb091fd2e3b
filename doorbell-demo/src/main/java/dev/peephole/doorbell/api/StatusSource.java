package dev.peephole.doorbell.api;

/** What the health endpoint reports. */
public interface StatusSource {

    /** Whether the frame pipeline is running. */
    boolean isRunning();

    /** Frames that went through the pipeline's first analysis stage. */
    long getFramesProcessed();

    /** Seconds since the app started. */
    long getUptimeSeconds();
}
