package dev.peephole.doorbell;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Counters of the frame pipeline. Thread-safe. */
public final class PipelineStats {
    final AtomicLong framesCaptured = new AtomicLong();
    final AtomicLong framesProcessed = new AtomicLong();
    final AtomicLong motionFrames = new AtomicLong();
    final AtomicLong framesAnalyzed = new AtomicLong();
    final AtomicLong facesDetected = new AtomicLong();
    final AtomicLong facesRecognized = new AtomicLong();
    final AtomicLong corruptFrames = new AtomicLong();
    final AtomicLong framesDropped = new AtomicLong();
    final AtomicLong faceTasksDropped = new AtomicLong();
    final AtomicLong analysesDropped = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong events = new AtomicLong();

    /** Frames taken from the camera. */
    public long getFramesCaptured() {
        return framesCaptured.get();
    }

    /** Frames that went through motion detection. */
    public long getFramesProcessed() {
        return framesProcessed.get();
    }

    /** Frames in which motion was seen. */
    public long getMotionFrames() {
        return motionFrames.get();
    }

    /** Frames that went through face detection (and recognition of what was found). */
    public long getFramesAnalyzed() {
        return framesAnalyzed.get();
    }

    public long getFacesDetected() {
        return facesDetected.get();
    }

    /** Faces matched to an enrolled person. */
    public long getFacesRecognized() {
        return facesRecognized.get();
    }

    /** Frames whose pixels could not be used. */
    public long getCorruptFrames() {
        return corruptFrames.get();
    }

    /** Frames dropped before motion detection because it fell behind (the oldest waiting frame goes). */
    public long getFramesDropped() {
        return framesDropped.get();
    }

    /** Frames dropped before face detection because the face workers fell behind (oldest first). */
    public long getFaceTasksDropped() {
        return faceTasksDropped.get();
    }

    /** Analyses dropped because event processing fell behind. */
    public long getAnalysesDropped() {
        return analysesDropped.get();
    }

    /** Unexpected failures in a stage. */
    public long getErrors() {
        return errors.get();
    }

    public long getEvents() {
        return events.get();
    }

    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("framesCaptured", getFramesCaptured());
        m.put("framesProcessed", getFramesProcessed());
        m.put("motionFrames", getMotionFrames());
        m.put("framesAnalyzed", getFramesAnalyzed());
        m.put("facesDetected", getFacesDetected());
        m.put("facesRecognized", getFacesRecognized());
        m.put("corruptFrames", getCorruptFrames());
        m.put("framesDropped", getFramesDropped());
        m.put("faceTasksDropped", getFaceTasksDropped());
        m.put("analysesDropped", getAnalysesDropped());
        m.put("errors", getErrors());
        m.put("events", getEvents());
        return m;
    }

    @Override
    public String toString() {
        return snapshot().toString();
    }
}
