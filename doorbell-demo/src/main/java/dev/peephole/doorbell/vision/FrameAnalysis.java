package dev.peephole.doorbell.vision;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The outcome of face detection and recognition on one frame, handed to event processing. */
public final class FrameAnalysis {
    private final long frameId;
    private final Instant timestamp;
    private final boolean doorbellPressed;
    private final List<RecognitionResult> recognitions;

    public FrameAnalysis(long frameId, Instant timestamp, boolean doorbellPressed, List<RecognitionResult> recognitions) {
        this.frameId = frameId;
        this.timestamp = timestamp;
        this.doorbellPressed = doorbellPressed;
        this.recognitions = Collections.unmodifiableList(new ArrayList<>(recognitions));
    }

    public long getFrameId() {
        return frameId;
    }

    public Instant getTimestamp() {
        return timestamp;
    }

    public boolean isDoorbellPressed() {
        return doorbellPressed;
    }

    /** One result per detected face, in detector order (best face first). */
    public List<RecognitionResult> getRecognitions() {
        return recognitions;
    }

    public int getFaceCount() {
        return recognitions.size();
    }

    @Override
    public String toString() {
        return "FrameAnalysis{frame=" + frameId + (doorbellPressed ? ", bell" : "") + ", " + recognitions + "}";
    }
}
