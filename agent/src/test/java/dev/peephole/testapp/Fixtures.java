package dev.peephole.testapp;

import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.util.ArrayList;
import java.util.List;

/** App-like classes the instrumentation tests weave. */
public final class Fixtures {
    private Fixtures() {
    }

    public enum Kind { KNOWN, UNKNOWN, BLACKLISTED }

    public static final class Frame {
        private final long id;
        private final int width;

        public Frame(long id, int width) {
            this.id = id;
            this.width = width;
        }

        public long getId() {
            return id;
        }

        public int getWidth() {
            return width;
        }
    }

    public static final class Result {
        private final Kind kind;
        private final String personName;
        private final double confidence;

        Result(Kind kind, String personName, double confidence) {
            this.kind = kind;
            this.personName = personName;
            this.confidence = confidence;
        }

        public Kind getKind() {
            return kind;
        }

        public String getPersonName() {
            return personName;
        }

        public double getConfidence() {
            return confidence;
        }
    }

    public static class Recognizer {
        public Result recognize(Frame frame, String region) {
            if (frame.getId() % 2 == 0) {
                return new Result(Kind.KNOWN, "Alice", 0.91);
            }
            return new Result(Kind.UNKNOWN, null, 0.4);
        }

        public List<String> detect(Frame frame) {
            List<String> faces = new ArrayList<>();
            for (int i = 0; i < frame.getWidth() / 100; i++) {
                faces.add("face" + i);
            }
            if (frame.getWidth() < 0) {
                throw new IllegalArgumentException("corrupt frame " + frame.getId());
            }
            return faces;
        }

        public int pipeline(Frame frame) {
            return detect(frame).size() + (recognize(frame, "r").getKind() == Kind.KNOWN ? 100 : 0);
        }
    }

    public static class Annotated {
        @WithSpan("greeting.make")
        public String greet(String name) {
            return "hello " + name;
        }

        @WithSpan(kind = WithSpan.Kind.CLIENT)
        public int plain() {
            return 7;
        }

        public int notAnnotated() {
            return 8;
        }
    }

    /** Counts calls; for the overhead measurement. */
    public static class Counter {
        private long n;

        public long tick(long x) {
            n += x;
            return n;
        }

        public long tickOrFail(long x) {
            if (x < 0) {
                throw new IllegalArgumentException("negative tick " + x);
            }
            n += x;
            return n;
        }

        public long untraced(long x) {
            n += x;
            return n;
        }
    }
}
