package dev.peephole.doorbell.events;

/** What happened at the door. */
public enum EventType {
    /** Someone pressed the doorbell button. */
    DOORBELL_RING,
    /** A resident or known visitor was recognised. */
    VISITOR_RECOGNIZED,
    /** Someone the gallery does not know is at the door. */
    STRANGER,
    /** Someone on the blacklist is at the door. */
    BLACKLISTED_PERSON
}
