package dev.peephole.doorbell.events;

import dev.peephole.doorbell.vision.FaceRegion;
import dev.peephole.doorbell.vision.FrameAnalysis;
import dev.peephole.doorbell.vision.RecognitionKind;
import dev.peephole.doorbell.vision.RecognitionResult;
import dev.peephole.doorbell.vision.Role;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventProcessorTest {
    private static final Instant T0 = Instant.parse("2025-06-01T12:00:00Z");
    private static final FaceRegion REGION = new FaceRegion(100, 50, 50, 62, 2.0);

    private EventStore store;
    private EventProcessor processor;
    private final List<DoorbellEvent> heard = new ArrayList<>();
    private long frame;

    @BeforeEach
    void setUp() {
        store = new EventStore(100);
        processor = new EventProcessor(store, heard::add);
    }

    private static RecognitionResult known(String id, String name, double confidence) {
        return new RecognitionResult(RecognitionKind.KNOWN, id, name, Role.RESIDENT, confidence, 0, REGION);
    }

    private static RecognitionResult blacklisted(String id, String name, double confidence) {
        return new RecognitionResult(RecognitionKind.BLACKLISTED, id, name, Role.BLACKLISTED, confidence, 0, REGION);
    }

    private static RecognitionResult unknown(double confidence) {
        return new RecognitionResult(RecognitionKind.UNKNOWN, null, null, null, confidence, 0, REGION);
    }

    /** One frame 100 ms after the previous one. */
    private List<DoorbellEvent> frame(boolean bell, RecognitionResult... faces) {
        frame++;
        List<RecognitionResult> list = new ArrayList<>();
        Collections.addAll(list, faces);
        return processor.process(new FrameAnalysis(frame, T0.plusMillis(100 * frame), bell, list));
    }

    private void idle(long millis) {
        frame += millis / 100;
    }

    @Test
    void aStronglyRecognisedResidentIsReportedOncePerVisit() {
        assertTrue(frame(false, known("res-001", "Alice", 0.9)).isEmpty(), "one frame is not enough");
        List<DoorbellEvent> events = frame(false, known("res-001", "Alice", 0.92));
        assertEquals(1, events.size());
        DoorbellEvent e = events.get(0);
        assertEquals(EventType.VISITOR_RECOGNIZED, e.getType());
        assertEquals("Alice", e.getPersonName());
        assertEquals("res-001", e.getPersonId());
        assertEquals(0.92, e.getConfidence(), 1e-9);
        assertEquals(2, e.getFrameId());
        for (int i = 0; i < 20; i++) {
            assertTrue(frame(false, known("res-001", "Alice", 0.9)).isEmpty());
        }
        idle(5000);
        frame(false, known("res-001", "Alice", 0.9));
        assertEquals(1, frame(false, known("res-001", "Alice", 0.9)).size(), "a new visit after a long gap");
        assertEquals(2, store.size());
        assertEquals(2, heard.size());
    }

    @Test
    void aWeakMatchNeedsTheMajorityOfFrames() {
        assertTrue(frame(false, known("vis-002", "Priya", 0.68)).isEmpty());
        assertTrue(frame(false, unknown(0.6)).isEmpty());
        assertTrue(frame(false, known("vis-002", "Priya", 0.67)).isEmpty(), "two weak matches are not enough");
        assertTrue(frame(false, unknown(0.6)).isEmpty());
        List<DoorbellEvent> events = frame(false, unknown(0.55));
        assertEquals(1, events.size(), "3 stranger sightings outvote 2 weak matches");
        assertEquals(EventType.STRANGER, events.get(0).getType());
        assertNull(events.get(0).getPersonName());
        assertEquals(0.6, events.get(0).getConfidence(), 1e-9);
        assertTrue(frame(false, known("vis-002", "Priya", 0.66)).isEmpty(), "3 against 3 is no majority");
        assertEquals(1, frame(false, known("vis-002", "Priya", 0.7)).size(), "4 against 3 is");
    }

    @Test
    void blacklistedPeopleAndStrangersGetTheirOwnEvents() {
        frame(false, blacklisted("blk-001", "Victor", 0.85));
        List<DoorbellEvent> events = frame(false, blacklisted("blk-001", "Victor", 0.83));
        assertEquals(EventType.BLACKLISTED_PERSON, events.get(0).getType());
        idle(3000);
        frame(false, unknown(0.3));
        frame(false, unknown(0.2));
        events = frame(false, unknown(0.25));
        assertEquals(1, events.size());
        assertEquals(EventType.STRANGER, events.get(0).getType());
    }

    @Test
    void aRingNamesWhoIsAtTheDoorAndCountsOncePerPress() {
        frame(false, known("res-002", "Ben", 0.9));
        frame(false, known("res-002", "Ben", 0.9));
        List<DoorbellEvent> events = frame(true);
        assertEquals(1, events.size());
        assertEquals(EventType.DOORBELL_RING, events.get(0).getType());
        assertEquals("Ben", events.get(0).getPersonName(), "named from the visit in progress");
        assertTrue(frame(true, known("res-002", "Ben", 0.9)).isEmpty(), "the same press");
        assertTrue(frame(true).isEmpty(), "the same press");
        idle(4000);
        events = frame(true, unknown(0.2));
        assertEquals(1, events.size());
        assertEquals(EventType.DOORBELL_RING, events.get(0).getType());
        assertNull(events.get(0).getPersonName(), "a stranger rang");
        assertEquals(0.0, events.get(0).getConfidence());
    }

    @Test
    void eventIdsIncrease() {
        frame(true);
        idle(3000);
        frame(true);
        List<DoorbellEvent> all = store.recent(10, null);
        assertEquals(2, all.size());
        assertTrue(all.get(0).getId() > all.get(1).getId());
        assertTrue(all.get(0).getTime().isAfter(all.get(1).getTime()));
    }
}
