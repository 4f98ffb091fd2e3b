package dev.peephole.doorbell.events;

import dev.peephole.doorbell.vision.FrameAnalysis;
import dev.peephole.doorbell.vision.RecognitionKind;
import dev.peephole.doorbell.vision.RecognitionResult;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Turns per-frame recognitions into events the household cares about.
 *
 * <p>A single frame proves little, so sightings are grouped into visits: the sightings of one
 * person (or of "a stranger") with gaps shorter than {@link #VISIT_GAP}. A visit produces one
 * event once it is confirmed (see {@link #confirmed}): VISITOR_RECOGNIZED, BLACKLISTED_PERSON or
 * STRANGER. A press of the doorbell button gives a DOORBELL_RING event, naming the person at the
 * door when one was recognised. Times are the frames' capture times.
 *
 * <p>Called from one thread (the event thread); synchronized all the same.
 */
public class EventProcessor {
    /** Sightings further apart than this belong to different visits. */
    public static final Duration VISIT_GAP = Duration.ofMillis(1500);
    /** Button presses closer together than this are one ring. */
    public static final Duration RING_GAP = Duration.ofSeconds(2);
    /** Sightings that confirm a visit, when they outvote every other visit at the time. */
    public static final int CONFIRMATIONS = 3;
    /** Sightings that confirm a known person whose best match reached {@link #STRONG_MATCH}. */
    public static final int KNOWN_CONFIRMATIONS = 2;
    public static final double STRONG_MATCH = 0.80;
    private static final String STRANGER_KEY = "<stranger>";

    private final EventStore store;
    private final Consumer<DoorbellEvent> listener;
    private final AtomicLong ids = new AtomicLong();
    private final Map<String, Visit> visits = new HashMap<>();
    private Instant lastRing;

    public EventProcessor(EventStore store) {
        this(store, e -> { });
    }

    /** @param listener told of every event after it is stored (logging, notifications) */
    public EventProcessor(EventStore store, Consumer<DoorbellEvent> listener) {
        this.store = store;
        this.listener = listener;
    }

    /** Processes the analysis of one frame; returns the events it caused (usually none). */
    public synchronized List<DoorbellEvent> process(FrameAnalysis analysis) {
        Instant now = analysis.getTimestamp();
        List<DoorbellEvent> events = new ArrayList<>(1);
        RecognitionResult bestKnown = null;
        for (RecognitionResult r : analysis.getRecognitions()) {
            String key = r.getKind() == RecognitionKind.UNKNOWN ? STRANGER_KEY : r.getPersonId();
            Visit visit = visits.get(key);
            if (visit == null || gap(visit.lastSeen, now).compareTo(VISIT_GAP) > 0) {
                visit = new Visit(now);
                visits.put(key, visit);
            }
            visit.sighting(now, r);
            if (r.isKnown() && (bestKnown == null || r.getConfidence() > bestKnown.getConfidence())) {
                bestKnown = r;
            }
        }
        for (RecognitionResult r : analysis.getRecognitions()) {
            String key = r.getKind() == RecognitionKind.UNKNOWN ? STRANGER_KEY : r.getPersonId();
            Visit visit = visits.get(key);
            if (visit.reported || !confirmed(key, visit, now)) {
                continue;
            }
            visit.reported = true;
            EventType type = r.getKind() == RecognitionKind.BLACKLISTED ? EventType.BLACKLISTED_PERSON
                    : r.getKind() == RecognitionKind.KNOWN ? EventType.VISITOR_RECOGNIZED : EventType.STRANGER;
            events.add(emit(now, type, r.getPersonId(), r.getPersonName(), visit.bestConfidence, analysis.getFrameId()));
        }
        if (analysis.isDoorbellPressed()) {
            boolean newPress = lastRing == null || gap(lastRing, now).compareTo(RING_GAP) > 0;
            if (lastRing == null || now.isAfter(lastRing)) {
                lastRing = now;
            }
            if (newPress) {
                events.add(ring(analysis, bestKnown, now));
            }
        }
        forgetOldVisits(now);
        return events;
    }

    /**
     * Whether a visit has been seen enough to report. Frames vote: a visit must have more
     * sightings than any other visit going on at the same time (so a resident who matched badly
     * on a few frames is not reported as a stranger, nor a stranger who matched someone on a few
     * frames as that person). A known face that matched strongly twice is reported at once.
     */
    private boolean confirmed(String key, Visit visit, Instant now) {
        if (!STRANGER_KEY.equals(key) && visit.sightings >= KNOWN_CONFIRMATIONS
                && visit.bestConfidence >= STRONG_MATCH) {
            return true;
        }
        if (visit.sightings < CONFIRMATIONS) {
            return false;
        }
        for (Map.Entry<String, Visit> e : visits.entrySet()) {
            Visit other = e.getValue();
            if (other != visit && gap(other.lastSeen, now).compareTo(VISIT_GAP) <= 0
                    && other.sightings >= visit.sightings) {
                return false;
            }
        }
        return true;
    }

    private DoorbellEvent ring(FrameAnalysis analysis, RecognitionResult bestKnown, Instant now) {
        String id = null;
        String name = null;
        double confidence = 0;
        if (bestKnown != null) {
            id = bestKnown.getPersonId();
            name = bestKnown.getPersonName();
            confidence = bestKnown.getConfidence();
        } else {
            // nobody recognisable on this frame: name whoever's visit is confirmed and current
            Visit best = null;
            for (Visit v : visits.values()) {
                if (v.lastKnown != null && v.sightings >= KNOWN_CONFIRMATIONS
                        && gap(v.lastSeen, now).compareTo(VISIT_GAP) <= 0
                        && (best == null || v.sightings > best.sightings)) {
                    best = v;
                }
            }
            if (best != null) {
                id = best.lastKnown.getPersonId();
                name = best.lastKnown.getPersonName();
                confidence = best.bestConfidence;
            }
        }
        return emit(now, EventType.DOORBELL_RING, id, name, confidence, analysis.getFrameId());
    }

    private DoorbellEvent emit(Instant time, EventType type, String personId, String personName,
                               double confidence, long frameId) {
        DoorbellEvent event = new DoorbellEvent(ids.incrementAndGet(), time, type, personId, personName,
                Math.round(confidence * 1000) / 1000.0, frameId);
        store.add(event);
        listener.accept(event);
        return event;
    }

    private void forgetOldVisits(Instant now) {
        Iterator<Visit> it = visits.values().iterator();
        while (it.hasNext()) {
            if (gap(it.next().lastSeen, now).compareTo(VISIT_GAP.multipliedBy(6)) > 0) {
                it.remove();
            }
        }
    }

    /** Time from {@code earlier} to {@code later}; zero when they are out of order. */
    private static Duration gap(Instant earlier, Instant later) {
        Duration d = Duration.between(earlier, later);
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Number of visits being tracked (diagnostics). */
    public synchronized int activeVisits() {
        return visits.size();
    }

    /** Visits in progress, by person id (diagnostics). */
    synchronized Map<String, Integer> sightingsByVisit() {
        Map<String, Integer> out = new HashMap<>();
        for (Map.Entry<String, Visit> e : visits.entrySet()) {
            out.put(e.getKey(), e.getValue().sightings);
        }
        return Collections.unmodifiableMap(out);
    }

    private static final class Visit {
        Instant lastSeen;
        int sightings;
        double bestConfidence;
        RecognitionResult lastKnown;
        boolean reported;

        Visit(Instant start) {
            this.lastSeen = start;
        }

        void sighting(Instant time, RecognitionResult r) {
            if (time.isAfter(lastSeen)) {
                lastSeen = time;
            }
            sightings++;
            bestConfidence = Math.max(bestConfidence, r.getConfidence());
            if (r.isKnown()) {
                lastKnown = r;
            }
        }
    }
}
