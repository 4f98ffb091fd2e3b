package dev.peephole.doorbell.vision;

import java.util.Locale;

/** What the motion detector saw in one frame compared with the one before it. */
public final class MotionResult {
    private final long frameId;
    private final boolean motion;
    private final double changedFraction;
    private final int x;
    private final int y;
    private final int width;
    private final int height;

    public MotionResult(long frameId, boolean motion, double changedFraction, int x, int y, int width, int height) {
        this.frameId = frameId;
        this.motion = motion;
        this.changedFraction = changedFraction;
        this.x = x;
        this.y = y;
        this.width = width;
        this.height = height;
    }

    public long getFrameId() {
        return frameId;
    }

    /** Whether enough of the picture changed to count as motion. */
    public boolean isMotion() {
        return motion;
    }

    /** Fraction of the picture (0..1) that changed. */
    public double getChangedFraction() {
        return changedFraction;
    }

    /** Bounding box of the changed area, in pixels (empty when nothing changed). */
    public int getX() {
        return x;
    }

    public int getY() {
        return y;
    }

    public int getWidth() {
        return width;
    }

    public int getHeight() {
        return height;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Motion[frame=%d %s %.1f%% at %d,%d %dx%d]", frameId,
                motion ? "yes" : "no", changedFraction * 100, x, y, width, height);
    }
}
