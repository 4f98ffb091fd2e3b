package dev.peephole.doorbell.camera;

/**
 * Thrown when a frame's pixel data cannot be interpreted: the buffer that arrived from the
 * sensor is shorter than its header says, or its geometry does not match.
 */
public class CorruptFrameException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long frameId;

    public CorruptFrameException(long frameId, String message) {
        super("frame " + frameId + ": " + message);
        this.frameId = frameId;
    }

    public long getFrameId() {
        return frameId;
    }
}
