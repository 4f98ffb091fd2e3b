package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Groups of one interval start at offsets spread over it, also when their names differ only in
 * their last character (String.hashCode put such groups a few milliseconds apart).
 */
class RuleGroupOffsetTest {

    @Test
    void groupsNamedAlikeAreSpreadOverTheirInterval() {
        long interval = 10_000;
        for (String source : new String[] {"/etc/peephole/rules/bench.rules.yml", "rules.yml", "default"}) {
            long[] offsets = new long[10];
            for (int i = 0; i < offsets.length; i++) {
                offsets[i] = RuleManager.offsetMs(source, "bench-" + i, interval);
                assertThat(offsets[i]).isBetween(0L, interval - 1);
                assertThat(RuleManager.offsetMs(source, "bench-" + i, interval)).as("stable").isEqualTo(offsets[i]);
            }
            Arrays.sort(offsets);
            long minGap = offsets[0] + interval - offsets[offsets.length - 1];
            for (int i = 1; i < offsets.length; i++) {
                minGap = Math.min(minGap, offsets[i] - offsets[i - 1]);
            }
            assertThat(minGap).as("closest two groups of %s (ms apart): %s", source, Arrays.toString(offsets))
                    .isGreaterThanOrEqualTo(100);
        }
    }
}
