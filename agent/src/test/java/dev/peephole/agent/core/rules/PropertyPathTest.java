package dev.peephole.agent.core.rules;

import java.util.List;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PropertyPathTest {
    public static final class Face {
        private final int width;

        Face(int width) {
            this.width = width;
        }

        public int getWidth() {
            return width;
        }
    }

    /** Another class with a property of the same name, read through a field instead of a getter. */
    public static final class Region {
        @SuppressWarnings("unused")
        private final String width;

        Region(String width) {
            this.width = width;
        }
    }

    public static final class Result {
        private final Object face;

        Result(Object face) {
            this.face = face;
        }

        public Object face() {
            return face;
        }
    }

    @Test
    void readsGettersRecordAccessorsFieldsAndSizes() {
        PropertyPath p = PropertyPath.parse("return.face.width");
        assertEquals(120, p.resolve(null, null, new Result(new Face(120))));
        assertEquals(3, PropertyPath.parse("arg0.size").resolve(null, new Object[] {List.of(1, 2, 3)}, null));
        assertEquals(5, PropertyPath.parse("arg1.length").resolve(null, new Object[] {null, "hello"}, null));
        assertNull(PropertyPath.parse("arg0.width").resolve(null, new Object[] {null}, null));
        assertNull(PropertyPath.parse("return.nothing").resolve(null, null, new Face(1)));
    }

    @Test
    void onePathMeetingDifferentClassesAtASegmentReadsEachItsOwnWay() {
        // one path object, as a woven method holds it: a getter on one class, a field on the other
        PropertyPath p = PropertyPath.parse("return.face.width");
        for (int i = 0; i < 3; i++) {
            assertEquals(40 + i, p.resolve(null, null, new Result(new Face(40 + i))));
            assertEquals("wide" + i, p.resolve(null, null, new Result(new Region("wide" + i))));
            assertNull(p.resolve(null, null, new Result("no width here")));
            assertNull(p.resolve(null, null, new Result(null)));
        }
    }

    @Test
    void manyThreadsResolvingOnePathWithTwoClassesEachGetTheirOwnValues() throws Exception {
        PropertyPath p = PropertyPath.parse("return.face.width");
        Thread[] threads = new Thread[4];
        Throwable[] failed = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            boolean faces = t % 2 == 0;
            threads[t] = new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        Object got = p.resolve(null, null, new Result(faces ? new Face(i) : new Region("r" + i)));
                        Object want = faces ? (Object) i : "r" + i;
                        if (!want.equals(got)) {
                            throw new AssertionError("expected " + want + ", got " + got);
                        }
                    }
                } catch (Throwable e) {
                    synchronized (failed) {
                        failed[0] = e;
                    }
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertNull(failed[0], () -> String.valueOf(failed[0]));
    }
}
