package dev.peephole.doorbell.events;

import java.time.Instant;
import java.util.Locale;

/** Something that happened at the door, as shown to the household. Immutable. */
public final class DoorbellEvent {
    private final long id;
    private final Instant time;
    private final EventType type;
    private final String personId;
    private final String personName;
    private final double confidence;
    private final long frameId;

    public DoorbellEvent(long id, Instant time, EventType type, String personId, String personName,
                         double confidence, long frameId) {
        this.id = id;
        this.time = time;
        this.type = type;
        this.personId = personId;
        this.personName = personName;
        this.confidence = confidence;
        this.frameId = frameId;
    }

    /** Sequence number, increasing from 1. */
    public long getId() {
        return id;
    }

    /** Capture time of the frame that triggered the event. */
    public Instant getTime() {
        return time;
    }

    public EventType getType() {
        return type;
    }

    /** Gallery id of the person, or null (stranger, or nobody recognised at a ring). */
    public String getPersonId() {
        return personId;
    }

    /** Name of the person, or null. */
    public String getPersonName() {
        return personName;
    }

    /** Recognition confidence (0..1) behind the event; 0 when nobody was recognised. */
    public double getConfidence() {
        return confidence;
    }

    /** Id of the frame that triggered the event. */
    public long getFrameId() {
        return frameId;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "#%d %s %s (%.2f, frame %d)", id, type,
                personName == null ? "-" : personName, confidence, frameId);
    }
}
