package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.camera.FacialFeatures;
import dev.peephole.doorbell.camera.Frame;
import dev.peephole.doorbell.camera.TestFrames;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MotionDetectorTest {

    @Test
    void noiseAloneIsNotMotion() {
        MotionDetector motion = new MotionDetector();
        assertFalse(motion.detect(TestFrames.empty(0, 0)).isMotion(), "first frame has nothing to compare with");
        for (int i = 1; i < 30; i++) {
            MotionResult r = motion.detect(TestFrames.empty(i, 0));
            assertFalse(r.isMotion(), r.toString());
        }
    }

    @Test
    void someoneWalkingInIsMotionWhereTheyAre() {
        MotionDetector motion = new MotionDetector();
        motion.detect(TestFrames.empty(0, 0));
        Frame arrival = TestFrames.withFace(1, FacialFeatures.forId("res-001"), 200, 50, 50);
        MotionResult r = motion.detect(arrival);
        assertTrue(r.isMotion(), r.toString());
        assertTrue(r.getX() >= 160 && r.getX() <= 200, r.toString()); // the shoulders are wider than the face
        assertTrue(r.getX() + r.getWidth() >= 240, r.toString());
        assertTrue(r.getChangedFraction() > 0.05 && r.getChangedFraction() < 0.6, r.toString());
        // standing perfectly still: no motion
        MotionResult still = motion.detect(TestFrames.withFace(1, FacialFeatures.forId("res-001"), 200, 50, 50));
        assertFalse(still.isMotion(), still.toString());
    }

    @Test
    void aFrameOfAnotherSizeCountsAsAChangeOfEverything() {
        MotionDetector motion = new MotionDetector();
        motion.detect(TestFrames.empty(0, 0));
        MotionResult r = motion.detect(TestFrames.truncated(1, 90));
        assertTrue(r.isMotion());
        assertEquals(1.0, r.getChangedFraction());
    }
}
