package dev.peephole.doorbell;

import dev.peephole.doorbell.camera.Camera;
import dev.peephole.doorbell.camera.Cast;
import dev.peephole.doorbell.events.DoorbellEvent;
import dev.peephole.doorbell.events.EventProcessor;
import dev.peephole.doorbell.events.EventStore;
import dev.peephole.doorbell.events.EventType;
import dev.peephole.doorbell.vision.FaceDetector;
import dev.peephole.doorbell.vision.FaceEncoder;
import dev.peephole.doorbell.vision.FaceRecognizer;
import dev.peephole.doorbell.vision.Gallery;
import dev.peephole.doorbell.vision.MotionDetector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoorbellPipelineTest {
    private static FaceDetector detector;
    private static FaceEncoder encoder;
    private static Gallery gallery;

    @BeforeAll
    static void model() {
        detector = new FaceDetector();
        encoder = Enrollment.standardEncoder();
        gallery = Enrollment.standardGallery(detector, encoder);
    }

    private static DoorbellPipeline pipeline(long seed, int fps, Clock clock) {
        Camera camera = new Camera(320, 240, fps, seed, Cast.standard(), clock);
        return new DoorbellPipeline(camera, new MotionDetector(), detector, new FaceRecognizer(gallery, encoder),
                new EventProcessor(new EventStore()), new PipelineStats());
    }

    private static List<String> describe(List<DoorbellEvent> events) {
        List<String> out = new ArrayList<>();
        for (DoorbellEvent e : events) {
            out.add(e.getId() + " " + e.getTime() + " " + e.getType() + " " + e.getPersonId() + " " + e.getConfidence()
                    + " " + e.getFrameId());
        }
        return out;
    }

    @Test
    void theSameSeedGivesTheSameEvents() {
        List<String> a = describe(pipeline(42, 10, SteppingClock.atFps(10)).runInline(800));
        List<String> b = describe(pipeline(42, 10, SteppingClock.atFps(10)).runInline(800));
        List<String> c = describe(pipeline(7, 10, SteppingClock.atFps(10)).runInline(800));
        assertTrue(a.size() >= 5, "events: " + a);
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void aLongRunShowsEveryKindOfEventAndCountsConsistently() {
        DoorbellPipeline p = pipeline(42, 10, SteppingClock.atFps(10));
        List<DoorbellEvent> events = p.runInline(3000);
        Set<EventType> types = EnumSet.noneOf(EventType.class);
        events.forEach(e -> types.add(e.getType()));
        assertEquals(EnumSet.allOf(EventType.class), types, describe(events).toString());
        PipelineStats s = p.getStats();
        assertEquals(3000, s.getFramesCaptured());
        assertEquals(3000, s.getFramesProcessed());
        assertTrue(s.getCorruptFrames() > 0, "corrupt frames reach face detection and are counted");
        assertTrue(s.getFramesAnalyzed() + s.getCorruptFrames() <= 3000);
        assertTrue(s.getFacesRecognized() > 0);
        assertEquals(events.size(), s.getEvents());
        assertEquals(0, s.getErrors());
    }

    @Test
    void theThreadedPipelineNeverHoldsMoreThanItsQueuesAndStopsPromptly() throws Exception {
        DoorbellPipeline p = pipeline(3, 60, Clock.systemUTC());
        p.start();
        assertTrue(p.isRunning());
        Thread.sleep(2500);
        PipelineStats s = p.getStats();
        long t0 = System.nanoTime();
        p.close();
        long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertFalse(p.isRunning());
        assertTrue(stopMillis < 5000, "stopped in " + stopMillis + " ms");
        assertTrue(s.getFramesCaptured() >= 60, "captured " + s.getFramesCaptured());
        long unaccounted = s.getFramesCaptured() - s.getFramesProcessed() - s.getFramesDropped();
        assertTrue(unaccounted >= 0 && unaccounted <= DoorbellPipeline.FRAME_QUEUE + 1,
                "frames neither processed nor dropped: " + unaccounted + " " + s);
        long captured = s.getFramesCaptured();
        Thread.sleep(300);
        assertEquals(captured, s.getFramesCaptured(), "capture stopped");
    }
}
