package dev.peephole.doorbell.camera;

/** Something that produces frames on demand, one per call, in sequence. */
public interface FrameSource {

    /** Produces the next frame. Returns at once; pacing is up to the caller. */
    Frame capture();

    /** Nominal frame rate, frames per second. */
    int getFps();
}
