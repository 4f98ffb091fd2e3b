package dev.peephole.collector.prometheus;

import dev.peephole.collector.promql.SampleText;
import java.util.Arrays;

/**
 * The text of a read series' values that came from settled rollup blocks ({@link RollupBlockCache.Block}):
 * runs of consecutive samples, each run some consecutive rows of one block. Samples outside every run
 * (the unsettled rollup rows and raw points read after the blocks) have none.
 */
final class BlockText implements SampleText {
    private final int[] at;
    private final int[] count;
    private final RollupBlockCache.Block[] blocks;
    private final int[] firstRow;

    private BlockText(int[] at, int[] count, RollupBlockCache.Block[] blocks, int[] firstRow) {
        this.at = at;
        this.count = count;
        this.blocks = blocks;
        this.firstRow = firstRow;
    }

    @Override
    public int put(int i, double v, byte[] dst, int pos) {
        int k = Arrays.binarySearch(at, i);
        if (k < 0) {
            k = -k - 2;
        }
        if (k < 0 || i - at[k] >= count[k]) {
            return -1;
        }
        return blocks[k].putText(firstRow[k] + i - at[k], v, dst, pos);
    }

    /** Collects the runs of one series in sample order. */
    static final class Runs {
        private int n;
        private int[] at = new int[32];
        private int[] count = new int[32];
        private RollupBlockCache.Block[] blocks = new RollupBlockCache.Block[32];
        private int[] firstRow = new int[32];

        /** Samples at..at+count-1 are rows firstRow.. of block. */
        void add(int sampleAt, int samples, RollupBlockCache.Block block, int row) {
            if (samples <= 0) {
                return;
            }
            if (n == at.length) {
                at = Arrays.copyOf(at, n * 2);
                count = Arrays.copyOf(count, n * 2);
                blocks = Arrays.copyOf(blocks, n * 2);
                firstRow = Arrays.copyOf(firstRow, n * 2);
            }
            at[n] = sampleAt;
            count[n] = samples;
            blocks[n] = block;
            firstRow[n] = row;
            n++;
        }

        SampleText text() {
            return n == 0 ? null : new BlockText(Arrays.copyOf(at, n), Arrays.copyOf(count, n), Arrays.copyOf(blocks, n),
                    Arrays.copyOf(firstRow, n));
        }
    }
}
