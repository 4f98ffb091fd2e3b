package dev.peephole.doorbell.vision;

import dev.peephole.doorbell.SteppingClock;
import dev.peephole.doorbell.camera.Camera;
import dev.peephole.doorbell.camera.Cast;
import dev.peephole.doorbell.camera.CastMember;
import dev.peephole.doorbell.camera.CorruptFrameException;
import dev.peephole.doorbell.camera.FacialFeatures;
import dev.peephole.doorbell.camera.Frame;
import dev.peephole.doorbell.camera.SceneInfo;
import dev.peephole.doorbell.camera.TestFrames;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FaceDetectorTest {
    private final FaceDetector detector = new FaceDetector();

    private static void assertFound(List<FaceRegion> faces, int x, int y, int fw, String what) {
        int fh = FacialFeatures.boxHeight(fw);
        assertEquals(1, faces.size(), what + ": expected one face, got " + faces);
        FaceRegion f = faces.get(0);
        assertTrue(f.iou(x, y, fw, fh) >= 0.6, what + ": " + f + " vs box " + x + "," + y + " " + fw + "x" + fh);
        assertTrue(Math.abs(f.centerX() - (x + fw / 2.0)) <= fw * 0.12, what + ": centre x " + f);
        assertTrue(Math.abs(f.centerY() - (y + fh / 2.0)) <= fh * 0.12, what + ": centre y " + f);
        assertTrue(Math.abs(f.getWidth() - fw) <= fw * 0.2, what + ": width " + f);
    }

    @Test
    void findsEachCastMembersFaceWhereItWasDrawn() {
        int id = 0;
        for (CastMember m : Cast.standard().getMembers()) {
            int[][] placements = {{40, 40, 40}, {140, 50, 52}, {230, 35, 60}};
            for (int[] p : placements) {
                Frame frame = TestFrames.withFace(id++, m.getFace(), p[0], p[1], p[2]);
                assertFound(detector.detect(frame), p[0], p[1], p[2], m.getName() + " at " + p[0] + "," + p[1]);
            }
        }
    }

    @Test
    void findsNearlyAllOfManyRandomFaces() {
        Random random = new Random(2024);
        int found = 0;
        int n = 120;
        for (int i = 0; i < n; i++) {
            FacialFeatures face = FacialFeatures.random(random);
            int fw = 38 + random.nextInt(24);
            int x = 10 + random.nextInt(320 - fw - 20);
            int y = 10 + random.nextInt(80);
            List<FaceRegion> faces = detector.detect(TestFrames.withFace(i, face, x, y, fw));
            if (faces.size() == 1 && faces.get(0).iou(x, y, fw, FacialFeatures.boxHeight(fw)) >= 0.5) {
                found++;
            }
        }
        assertTrue(found >= n * 0.95, "found " + found + " of " + n);
    }

    @Test
    void findsTwoPeopleInOneFrame() {
        Frame frame = TestFrames.withFace(1, FacialFeatures.forId("a"), 30, 40, 50);
        // draw a second person into the same image
        new dev.peephole.doorbell.camera.SceneRenderer(320, 240)
                .drawPerson(frame.getImage(), FacialFeatures.forId("b"), 200, 60, 46, 40);
        List<FaceRegion> faces = detector.detect(frame);
        assertEquals(2, faces.size(), faces.toString());
    }

    @Test
    void findsNothingOnTheEmptyPorch() {
        for (int i = 0; i < 40; i++) {
            List<FaceRegion> faces = detector.detect(TestFrames.empty(i, (i % 5) * 6 - 12));
            assertTrue(faces.isEmpty(), "frame " + i + ": " + faces);
        }
    }

    @Test
    void findsNoFaceInTheCamerasEmptyAndCritterFrames() {
        Camera cam = new Camera(320, 240, 10, 42, Cast.standard(), SteppingClock.atFps(10));
        int checked = 0;
        int falseFaces = 0;
        for (int i = 0; i < 2000; i++) {
            Frame f = cam.capture();
            SceneInfo s = cam.getLastScene();
            if (s.isCorrupt() || s.getKind() == SceneInfo.Kind.VISITOR) {
                continue;
            }
            checked++;
            falseFaces += detector.detect(f).size();
        }
        assertTrue(checked > 300, "checked " + checked);
        assertTrue(falseFaces <= checked / 200, falseFaces + " faces found in " + checked + " frames without a face");
    }

    @Test
    void corruptFramesThrow() {
        assertThrows(CorruptFrameException.class, () -> detector.detect(TestFrames.truncated(3, 120)));
    }

    @Test
    void detectionOfAFrameTakesMilliseconds() {
        Frame frame = TestFrames.withFace(1, FacialFeatures.forId("x"), 120, 50, 52);
        for (int i = 0; i < 30; i++) {
            detector.detect(frame);
        }
        int n = 50;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            detector.detect(frame);
        }
        double ms = (System.nanoTime() - t0) / 1e6 / n;
        assertTrue(ms < 50, "detection took " + ms + " ms per frame");
    }
}
