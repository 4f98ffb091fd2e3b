package dev.peephole.doorbell.camera;

import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * The appearance of one face: tones and the geometry of eyes, brows, nose and mouth as fractions
 * of the face box, hair, accessories and a coarse skin texture. A face is drawn by
 * {@link SceneRenderer#drawFace}; its box is {@code w} wide and {@code round(w * ASPECT)} high.
 */
public final class FacialFeatures {
    /** Height of a face box relative to its width. */
    public static final double ASPECT = 1.25;
    /** Cells per side of the skin texture grid. */
    public static final int TEXTURE_GRID = 6;

    final int skinTone;
    final int hairTone;
    final int hairStyle;      // 0 short, 1 long, 2 bald
    final double hairLine;    // v where the hair ends on the forehead
    final double ovalWidth;   // face oval width as a fraction of the box
    final double eyeY;
    final double eyeDx;       // half the distance between the eye centres
    final double eyeW;
    final double eyeH;
    final int eyeTone;
    final double browThickness;
    final int browTone;
    final double noseLength;
    final double mouthY;
    final double mouthW;
    final double mouthH;
    final int mouthTone;
    final boolean beard;
    final boolean moustache;
    final boolean glasses;
    final int[] texture;      // TEXTURE_GRID^2 tone offsets

    private FacialFeatures(Random r) {
        skinTone = 150 + r.nextInt(61);
        hairTone = 20 + r.nextInt(61);
        hairStyle = r.nextInt(3);
        hairLine = 0.15 + 0.10 * r.nextDouble();
        ovalWidth = 0.88 + 0.10 * r.nextDouble();
        eyeY = 0.38 + 0.06 * r.nextDouble();
        eyeDx = 0.17 + 0.04 * r.nextDouble();
        eyeW = 0.12 + 0.05 * r.nextDouble();
        eyeH = 0.06 + 0.03 * r.nextDouble();
        eyeTone = 15 + r.nextInt(31);
        browThickness = r.nextInt(4) == 0 ? 0 : 0.015 + 0.025 * r.nextDouble();
        browTone = 20 + r.nextInt(50);
        noseLength = 0.12 + 0.08 * r.nextDouble();
        mouthY = 0.72 + 0.06 * r.nextDouble();
        mouthW = 0.22 + 0.20 * r.nextDouble();
        mouthH = 0.03 + 0.04 * r.nextDouble();
        mouthTone = 40 + r.nextInt(51);
        beard = r.nextInt(5) == 0;
        moustache = !beard && r.nextInt(5) == 0;
        glasses = r.nextInt(4) == 0;
        texture = new int[TEXTURE_GRID * TEXTURE_GRID];
        for (int i = 0; i < texture.length; i++) {
            texture[i] = r.nextInt(29) - 14;
        }
    }

    /** The face of the person with this id: the same id always gives the same face. */
    public static FacialFeatures forId(String id) {
        byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
        long h = 0xcbf29ce484222325L; // FNV-1a, stable across JVMs unlike String.hashCode mixing
        for (byte b : bytes) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return new FacialFeatures(new Random(h));
    }

    /** A face drawn from the given random source (strangers). */
    public static FacialFeatures random(Random random) {
        return new FacialFeatures(new Random(random.nextLong()));
    }

    public int getSkinTone() {
        return skinTone;
    }

    public boolean hasGlasses() {
        return glasses;
    }

    public boolean hasBeard() {
        return beard;
    }

    /** Height in pixels of a face box of the given width. */
    public static int boxHeight(int width) {
        return (int) Math.round(width * ASPECT);
    }
}
