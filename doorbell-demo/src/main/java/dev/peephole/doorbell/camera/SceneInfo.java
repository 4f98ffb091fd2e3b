package dev.peephole.doorbell.camera;

import java.awt.Rectangle;

/**
 * What the simulated camera actually put into a frame (the ground truth). The app does not use it
 * for its decisions; it is there for logs and tests.
 */
public final class SceneInfo {

    /** What is happening at the door. */
    public enum Kind { EMPTY, CRITTER, VISITOR }

    private final long frameId;
    private final Kind kind;
    private final String description;
    private final String visitorId;
    private final String visitorName;
    private final Rectangle faceBox;
    private final boolean doorbellPressed;
    private final boolean corrupt;

    SceneInfo(long frameId, Kind kind, String description, String visitorId, String visitorName,
              Rectangle faceBox, boolean doorbellPressed, boolean corrupt) {
        this.frameId = frameId;
        this.kind = kind;
        this.description = description;
        this.visitorId = visitorId;
        this.visitorName = visitorName;
        this.faceBox = faceBox;
        this.doorbellPressed = doorbellPressed;
        this.corrupt = corrupt;
    }

    public long getFrameId() {
        return frameId;
    }

    public Kind getKind() {
        return kind;
    }

    public String getDescription() {
        return description;
    }

    /** Cast id of the visitor, {@code stranger-N} for a stranger, null when nobody is there. */
    public String getVisitorId() {
        return visitorId;
    }

    public String getVisitorName() {
        return visitorName;
    }

    /** The face box when a whole face is in view, else null. */
    public Rectangle getFaceBox() {
        return faceBox == null ? null : new Rectangle(faceBox);
    }

    public boolean isDoorbellPressed() {
        return doorbellPressed;
    }

    public boolean isCorrupt() {
        return corrupt;
    }

    @Override
    public String toString() {
        return "frame " + frameId + ": " + description + (doorbellPressed ? " [bell]" : "") + (corrupt ? " [corrupt]" : "");
    }
}
