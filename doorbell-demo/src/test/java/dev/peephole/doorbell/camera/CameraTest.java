package dev.peephole.doorbell.camera;

import dev.peephole.doorbell.SteppingClock;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CameraTest {

    private static Camera camera(long seed) {
        return new Camera(Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT, 10, seed, Cast.standard(), SteppingClock.atFps(10));
    }

    private static byte[] raw(Frame f) {
        return SceneRenderer.buffer(f.getImage()).clone();
    }

    @Test
    void sameSeedGivesTheSameFramesAndAnotherSeedDoesNot() {
        Camera a = camera(42);
        Camera b = camera(42);
        Camera c = camera(43);
        int differing = 0;
        for (int i = 0; i < 300; i++) {
            Frame fa = a.capture();
            Frame fb = b.capture();
            Frame fc = c.capture();
            assertEquals(fa.getId(), fb.getId());
            assertEquals(fa.isDoorbellPressed(), fb.isDoorbellPressed());
            assertArrayEquals(raw(fa), raw(fb), "frame " + fa.getId());
            assertEquals(a.getLastScene().toString(), b.getLastScene().toString());
            if (!Arrays.equals(raw(fa), raw(fc))) {
                differing++;
            }
        }
        assertEquals(300, differing, "noise alone makes every frame of another seed differ");
    }

    @Test
    void framesAreGrayscaleAndTheScriptShowsEveryKindOfScene() {
        Camera cam = camera(42);
        Set<SceneInfo.Kind> kinds = EnumSet.noneOf(SceneInfo.Kind.class);
        Set<String> visitors = new HashSet<>();
        int corrupt = 0;
        int bells = 0;
        int frames = 3000;
        for (int i = 0; i < frames; i++) {
            Frame f = cam.capture();
            SceneInfo s = cam.getLastScene();
            assertEquals(f.getId(), s.getFrameId());
            assertEquals(320, f.getWidth());
            assertEquals(240, f.getHeight());
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, f.getImage().getType());
            kinds.add(s.getKind());
            if (s.getVisitorId() != null) {
                visitors.add(s.getVisitorId().startsWith("stranger") ? "stranger" : s.getVisitorId());
            }
            if (f.isDoorbellPressed()) {
                bells++;
            }
            if (s.isCorrupt()) {
                corrupt++;
                assertThrows(CorruptFrameException.class, f::pixels);
            } else {
                assertEquals(320 * 240, f.pixels().length);
            }
        }
        assertEquals(EnumSet.allOf(SceneInfo.Kind.class), kinds);
        assertTrue(visitors.contains("stranger"), "strangers come by");
        assertTrue(visitors.stream().anyMatch(v -> v.startsWith("res-")), "residents come by");
        assertTrue(visitors.stream().anyMatch(v -> v.startsWith("blk-")), "blacklisted people come by: " + visitors);
        assertTrue(bells > 0, "someone rings");
        assertTrue(corrupt >= frames / 300 && corrupt <= frames / 30, "about 1% corrupt frames, got " + corrupt);
    }

    @Test
    void theCastIsFixedAndEachFaceIsAFunctionOfTheId() {
        Cast cast = Cast.standard();
        assertEquals(3, cast.byCategory(CastMember.Category.RESIDENT).size());
        assertEquals(3, cast.byCategory(CastMember.Category.VISITOR).size());
        assertEquals(2, cast.byCategory(CastMember.Category.BLACKLISTED).size());
        CastMember alice = cast.byId("res-001");
        assertNotNull(alice);
        Frame one = TestFrames.withFace(1, alice.getFace(), 100, 50, 52);
        Frame two = TestFrames.withFace(1, FacialFeatures.forId("res-001"), 100, 50, 52);
        Frame other = TestFrames.withFace(1, FacialFeatures.forId("res-002"), 100, 50, 52);
        assertArrayEquals(one.pixels(), two.pixels());
        assertFalse(Arrays.equals(one.pixels(), other.pixels()));
    }

    @Test
    void aTruncatedFrameRefusesToHandOutItsPixels() {
        Frame f = TestFrames.truncated(7, 100);
        CorruptFrameException e = assertThrows(CorruptFrameException.class, f::pixels);
        assertEquals(7, e.getFrameId());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
