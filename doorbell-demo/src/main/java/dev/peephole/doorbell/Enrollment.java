package dev.peephole.doorbell;

import dev.peephole.doorbell.camera.Camera;
import dev.peephole.doorbell.camera.Cast;
import dev.peephole.doorbell.camera.CastMember;
import dev.peephole.doorbell.camera.FacialFeatures;
import dev.peephole.doorbell.camera.Frame;
import dev.peephole.doorbell.camera.SceneRenderer;
import dev.peephole.doorbell.vision.FaceDetector;
import dev.peephole.doorbell.vision.FaceEncoder;
import dev.peephole.doorbell.vision.FaceRegion;
import dev.peephole.doorbell.vision.Gallery;
import dev.peephole.doorbell.vision.Person;
import dev.peephole.doorbell.vision.Role;

import java.awt.image.BufferedImage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.logging.Logger;

/**
 * Sets up recognition at start-up.
 * <ol>
 *   <li>Trains the face model on a population of people who are not in the cast: their mean face
 *       first, then which parts of a face tell people apart, from several door-camera photos of
 *       each person passed through the real detector. The population is the same on every
 *       start, like a model shipped with the app.</li>
 *   <li>Enrols the cast from door-camera photos of each member, again through the real detector
 *       and encoder.</li>
 * </ol>
 */
public final class Enrollment {
    private static final Logger LOG = Logger.getLogger(Enrollment.class.getName());

    /** Seed of the training population; fixed so that the model is the same on every start. */
    static final long MODEL_SEED = 0x5EEDFACEL;
    static final int MEAN_FACE_EXAMPLES = 200;
    static final int TRAINING_PEOPLE = 80;
    static final int PHOTOS_PER_TRAINING_PERSON = 6;
    static final int[] ENROLMENT_WIDTHS = {38, 42, 46, 50, 54, 58, 62};

    private static final Object CACHE_LOCK = new Object();
    private static FaceEncoder cachedEncoder;

    private Enrollment() {
    }

    /**
     * The encoder for frames of the camera's default size, trained once per JVM with the
     * default detector (training takes a second or two).
     */
    public static FaceEncoder standardEncoder() {
        synchronized (CACHE_LOCK) {
            if (cachedEncoder == null) {
                cachedEncoder = trainEncoder(new FaceDetector(), Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT);
            }
            return cachedEncoder;
        }
    }

    /** Trains the encoder on a fixed population of generated people. */
    public static FaceEncoder trainEncoder(FaceDetector detector, int width, int height) {
        SceneRenderer renderer = new SceneRenderer(width, height);
        Random random = new Random(MODEL_SEED);
        List<float[]> patterns = new ArrayList<>();
        for (int i = 0; i < MEAN_FACE_EXAMPLES; i++) {
            FacialFeatures face = FacialFeatures.random(random);
            int fw = 38 + random.nextInt(26);
            int x = width / 2 - fw / 2 + random.nextInt(41) - 20;
            int y = 30 + random.nextInt(30);
            Frame photo = photo(renderer, face, x, y, fw, random, -1);
            patterns.add(FaceEncoder.pattern(photo.pixels(), width, height, x, y, fw, FacialFeatures.boxHeight(fw)));
        }
        FaceEncoder aligner = FaceEncoder.train(patterns);

        List<List<float[]>> byPerson = new ArrayList<>();
        for (int p = 0; p < TRAINING_PEOPLE; p++) {
            FacialFeatures face = FacialFeatures.random(random);
            List<float[]> samples = new ArrayList<>();
            for (int k = 0; k < PHOTOS_PER_TRAINING_PERSON; k++) {
                int fw = 36 + random.nextInt(28);
                int x = width / 2 - fw / 2 + random.nextInt(81) - 40;
                int y = 30 + random.nextInt(35);
                Frame photo = photo(renderer, face, x, y, fw, random, -1);
                FaceRegion region = find(detector, photo, x, y, fw);
                if (region != null) {
                    samples.add(aligner.alignedPattern(photo, region));
                }
            }
            byPerson.add(samples);
        }
        return aligner.withWithinPersonWhitening(byPerson);
    }

    /** Enrols every cast member from door-camera photos of them. */
    public static Gallery enrollCast(Cast cast, FaceDetector detector, FaceEncoder encoder, int width, int height) {
        SceneRenderer renderer = new SceneRenderer(width, height);
        Gallery gallery = new Gallery();
        for (CastMember member : cast.getMembers()) {
            Random random = new Random(member.getId().hashCode());
            List<float[]> vectors = new ArrayList<>();
            for (int fw : ENROLMENT_WIDTHS) {
                int x = width / 2 - fw / 2 + random.nextInt(31) - 15;
                int y = 35 + random.nextInt(20);
                Frame photo = photo(renderer, member.getFace(), x, y, fw, random, -1);
                FaceRegion face = find(detector, photo, x, y, fw);
                if (face == null) {
                    LOG.fine("enrolment: no face found in a " + fw + " px photo of " + member.getName());
                    continue;
                }
                vectors.add(encoder.encode(photo, face));
            }
            if (vectors.size() < 3) {
                throw new IllegalStateException("could not enrol " + member + ": too few usable photos");
            }
            gallery.enroll(new Person(member.getId(), member.getName(), role(member.getCategory())), vectors);
        }
        return gallery;
    }

    /** Model and gallery for the standard cast at the camera's default size. */
    public static Gallery standardGallery(FaceDetector detector, FaceEncoder encoder) {
        return enrollCast(Cast.standard(), detector, encoder, Camera.DEFAULT_WIDTH, Camera.DEFAULT_HEIGHT);
    }

    /** A door-camera photo of someone whose face box is at (x, y), {@code fw} wide. */
    static Frame photo(SceneRenderer renderer, FacialFeatures face, int x, int y, int fw, Random random, long id) {
        BufferedImage image = renderer.newFrameImage();
        renderer.addBrightness(image, random.nextInt(21) - 10);
        renderer.drawPerson(image, face, x, y, fw, 30 + random.nextInt(80));
        SceneRenderer.addNoise(image, random.nextLong(), 3);
        return new Frame(id, Instant.EPOCH, renderer.getWidth(), renderer.getHeight(), image, false);
    }

    /** The detected face that overlaps the known box, or null. */
    static FaceRegion find(FaceDetector detector, Frame photo, int x, int y, int fw) {
        for (FaceRegion candidate : detector.detect(photo)) {
            if (candidate.iou(x, y, fw, FacialFeatures.boxHeight(fw)) > 0.4) {
                return candidate;
            }
        }
        return null;
    }

    static Role role(CastMember.Category category) {
        switch (category) {
            case RESIDENT:
                return Role.RESIDENT;
            case VISITOR:
                return Role.VISITOR;
            case BLACKLISTED:
                return Role.BLACKLISTED;
            default:
                throw new IllegalArgumentException(String.valueOf(category));
        }
    }
}
