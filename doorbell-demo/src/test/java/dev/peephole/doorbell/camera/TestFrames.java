package dev.peephole.doorbell.camera;

import java.awt.image.BufferedImage;
import java.time.Instant;

/** Frames with known content, for tests. */
public final class TestFrames {
    public static final int W = Camera.DEFAULT_WIDTH;
    public static final int H = Camera.DEFAULT_HEIGHT;
    private static final SceneRenderer RENDERER = new SceneRenderer(W, H);

    private TestFrames() {
    }

    /** The empty porch with sensor noise and a brightness offset. */
    public static Frame empty(long id, int brightness) {
        BufferedImage image = RENDERER.newFrameImage();
        RENDERER.addBrightness(image, brightness);
        SceneRenderer.addNoise(image, 1000 + id, Camera.NOISE_AMPLITUDE);
        return new Frame(id, Instant.EPOCH, W, H, image, false);
    }

    /** A person on the porch whose face box is at (x, y), {@code fw} wide. */
    public static Frame withFace(long id, FacialFeatures face, int x, int y, int fw) {
        BufferedImage image = RENDERER.newFrameImage();
        RENDERER.drawPerson(image, face, x, y, fw, 50 + (int) (id % 40));
        SceneRenderer.addNoise(image, 2000 + id, Camera.NOISE_AMPLITUDE);
        return new Frame(id, Instant.EPOCH, W, H, image, false);
    }

    /** A frame whose transfer stopped after {@code rows} rows. */
    public static Frame truncated(long id, int rows) {
        BufferedImage full = RENDERER.newFrameImage();
        BufferedImage cut = new BufferedImage(W, rows, BufferedImage.TYPE_BYTE_GRAY);
        System.arraycopy(SceneRenderer.buffer(full), 0, SceneRenderer.buffer(cut), 0, W * rows);
        return new Frame(id, Instant.EPOCH, W, H, cut, false);
    }
}
