package dev.peephole.bench.agent;

import java.nio.file.Path;
import java.time.Duration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameProfileTest {
    static volatile long sink;

    /** Busy for {@code ms}, with calls and allocation: stacks JFR's sampler can walk. */
    static void busy(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        long h = 1;
        while (System.nanoTime() < end) {
            h += Long.toString(h * 31 + 7).hashCode();
        }
        sink = h;
    }

    // three callers of busy: method names the profile is checked for (inclusive, so inlining does not hide them)
    static void spinOutsideFrames(long ms) {
        busy(ms);
    }

    static void spinInSlowFrames(long ms) {
        busy(ms);
    }

    static void spinInsideFrames(long ms) {
        busy(ms);
    }

    @Test
    void countsOnlyTheFrameThreadsSamplesInsideTheMeasuredOrTheSlowestFrames(@TempDir Path dir) throws Exception {
        Path jfr = dir.resolve("r.jfr");
        try (Recording r = new Recording()) {
            r.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
            r.enable(DemoFrames.FRAME_EVENT);
            r.start();
            Thread frames = new Thread(() -> {
                spinOutsideFrames(600); // warm-up: before the first frame, not counted
                for (int i = 0; i < 20; i++) {
                    DemoFrames.FrameEvent e = new DemoFrames.FrameEvent();
                    e.begin();
                    if (i % 10 == 9) {
                        spinInSlowFrames(300); // 2 frames of 20: the 0.95 quantile (nearest rank, the 19th) and above
                    } else {
                        spinInsideFrames(20);
                    }
                    e.end();
                    e.index = i;
                    e.commit();
                }
            }, "frames-under-test");
            Thread other = new Thread(() -> spinOutsideFrames(1700), "another-thread");
            other.start();
            frames.start();
            frames.join();
            other.join();
            r.stop();
            r.dump(jfr);
        }
        String inside = FrameProfileTest.class.getName() + ".spinInsideFrames";
        String slow = FrameProfileTest.class.getName() + ".spinInSlowFrames";
        String outside = FrameProfileTest.class.getName() + ".spinOutsideFrames";

        FrameProfile.Profile all = FrameProfile.read(jfr, "frames-under-test", 0);
        assertTrue(all.samples > 10, "samples of the frame thread inside frames: " + all.samples);
        assertTrue(all.inclusive.getOrDefault(inside, 0) + all.inclusive.getOrDefault(slow, 0) > all.samples / 2,
                "inside frames: " + all.inclusive);
        assertTrue(all.inclusive.getOrDefault(inside, 0) > 0, "inside frames: " + all.inclusive);
        assertFalse(all.inclusive.containsKey(outside), "the warm-up and the other thread are left out: " + all.inclusive);
        assertEquals(0, all.withAgent);

        FrameProfile.Profile slowest = FrameProfile.read(jfr, "frames-under-test", 0.95);
        assertTrue(slowest.inclusive.getOrDefault(slow, 0) > 0, "the slow frames: " + slowest.inclusive);
        // a 20 ms frame stretched past 300 ms by a loaded machine could take a slow frame's place, with a sample or two
        assertTrue(slowest.inclusive.getOrDefault(inside, 0) * 4 < slowest.inclusive.getOrDefault(slow, 0),
                "only the frames at or above the 0.95 quantile: " + slowest.inclusive);
    }

    @Test
    void agentCodeIsTheAgentsPackagesRelocatedOrNot() {
        assertTrue(FrameProfile.isAgent("dev.peephole.agent.core.trace.Tracing.enter"));
        assertTrue(FrameProfile.isAgent("dev.peephole.agent.shaded.io.opentelemetry.sdk.trace.SdkSpan.end"));
        assertTrue(FrameProfile.isAgent("io.opentelemetry.sdk.trace.SdkSpan.end"));
        assertFalse(FrameProfile.isAgent("dev.peephole.doorbell.vision.FaceDetector.detect"));
    }
}
