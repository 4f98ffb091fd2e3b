package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.Enrollment;
import dev.peephole.doorbell.camera.Cast;
import dev.peephole.doorbell.camera.CastMember;
import dev.peephole.doorbell.camera.CorruptFrameException;
import dev.peephole.doorbell.camera.FacialFeatures;
import dev.peephole.doorbell.camera.Frame;
import dev.peephole.doorbell.camera.TestFrames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaceRecognizerTest {
    private static FaceDetector detector;
    private static FaceRecognizer recognizer;

    @BeforeAll
    static void enrol() {
        detector = new FaceDetector();
        FaceEncoder encoder = Enrollment.standardEncoder();
        recognizer = new FaceRecognizer(Enrollment.standardGallery(detector, encoder), encoder);
    }

    private static RecognitionResult recognizeOnly(Frame frame) {
        List<FaceRegion> faces = detector.detect(frame);
        assertEquals(1, faces.size(), "faces in frame " + frame.getId() + ": " + faces);
        return recognizer.recognize(frame, faces.get(0));
    }

    @Test
    void theGalleryHoldsTheCast() {
        assertEquals(8, recognizer.getGallery().size());
        assertEquals(3, recognizer.getGallery().people().stream().filter(p -> p.getRole() == Role.RESIDENT).count());
        assertEquals(2, recognizer.getGallery().people().stream().filter(p -> p.getRole() == Role.BLACKLISTED).count());
    }

    @Test
    void recognisesEveryCastMemberNearAndFar() {
        int id = 0;
        int[][] placements = {{70, 60, 42}, {135, 45, 52}, {200, 40, 60}};
        for (CastMember m : Cast.standard().getMembers()) {
            RecognitionKind expected = m.getCategory() == CastMember.Category.BLACKLISTED
                    ? RecognitionKind.BLACKLISTED : RecognitionKind.KNOWN;
            for (int[] p : placements) {
                RecognitionResult r = recognizeOnly(TestFrames.withFace(id++, m.getFace(), p[0], p[1], p[2]));
                String what = m.getName() + " at width " + p[2] + ": " + r;
                assertEquals(expected, r.getKind(), what);
                assertEquals(m.getName(), r.getPersonName(), what);
                assertEquals(m.getId(), r.getPersonId(), what);
                assertTrue(r.getConfidence() >= recognizer.getThreshold() && r.getConfidence() <= 1.0, what);
            }
        }
    }

    @Test
    void strangersAreUnknown() {
        Random random = new Random(77);
        int unknown = 0;
        int n = 40;
        for (int i = 0; i < n; i++) {
            FacialFeatures stranger = FacialFeatures.random(random);
            int fw = 44 + random.nextInt(16);
            RecognitionResult r = recognizeOnly(TestFrames.withFace(100 + i, stranger, 100 + random.nextInt(60), 45, fw));
            assertTrue(r.getConfidence() >= 0 && r.getConfidence() <= 1, r.toString());
            if (r.getKind() == RecognitionKind.UNKNOWN) {
                unknown++;
                assertNull(r.getPersonName());
                assertNull(r.getPersonId());
                assertTrue(r.getConfidence() < recognizer.getThreshold(), r.toString());
            }
        }
        assertTrue(unknown >= n * 0.9, unknown + " of " + n + " strangers were unknown");
    }

    @Test
    void theSameFaceGivesTheSameAnswer() {
        Frame frame = TestFrames.withFace(5, FacialFeatures.forId("vis-003"), 130, 50, 54);
        RecognitionResult a = recognizeOnly(frame);
        RecognitionResult b = recognizeOnly(frame);
        assertEquals(a.getPersonId(), b.getPersonId());
        assertEquals(a.getConfidence(), b.getConfidence());
        assertEquals(5, a.getFrameId());
    }

    @Test
    void corruptFramesThrow() {
        Frame frame = TestFrames.truncated(9, 60);
        assertThrows(CorruptFrameException.class,
                () -> recognizer.recognize(frame, new FaceRegion(100, 40, 50, 62, 1.0)));
    }
}
