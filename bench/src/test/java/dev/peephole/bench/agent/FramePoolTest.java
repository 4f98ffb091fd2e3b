package dev.peephole.bench.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class FramePoolTest {

    @Test
    void quantilesOfPooledRoundsAreTheBinMiddlesOfAllTheirFrames(@TempDir Path dir) throws Exception {
        // round 1: 1.000 ms x 99 and 5.000 ms x 1; round 2: 2.000 ms x 100
        StringBuilder r1 = new StringBuilder();
        for (int i = 0; i < 99; i++) {
            r1.append(i).append(" 1.0000 0.9000\n");
        }
        r1.append("99 5.0000 0.9000\n");
        StringBuilder r2 = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            r2.append(i).append(" 2.0000 1.9000\n");
        }
        Files.writeString(dir.resolve("r1.txt"), r1);
        Files.writeString(dir.resolve("r2.txt"), r2);
        int[][] h1 = FramePool.read(dir.resolve("r1.txt"));
        int[][] h2 = FramePool.read(dir.resolve("r2.txt"));

        double[] one = FramePool.quantiles(FramePool.pool(List.of(h1[0]), null, FramePool.BINS));
        assertArrayEquals(new double[] {1.001, 1.001, 1.001, 5.001}, one, 1e-9);

        double[] both = FramePool.quantiles(FramePool.pool(List.of(h1[0], h2[0]), null, FramePool.BINS));
        // 200 frames sorted: 99 of 1.0 ms, 100 of 2.0, one of 5.0; p50 is the 100th (2.0), p90 the
        // 180th (2.0), p99 the 198th (2.0), p99.9 the 200th (5.0)
        assertArrayEquals(new double[] {2.001, 2.001, 2.001, 5.001}, both, 1e-9);

        // a bootstrap draw takes a round as often as drawn: round 2 twice is round 2's distribution
        double[] drawn = FramePool.quantiles(FramePool.pool(List.of(h1[0], h2[0]), new int[] {1, 1}, FramePool.BINS));
        assertArrayEquals(new double[] {2.001, 2.001, 2.001, 2.001}, drawn, 1e-9);

        assertEquals(100, java.util.Arrays.stream(h1[1]).sum(), "the CPU column is read too");
    }
}
