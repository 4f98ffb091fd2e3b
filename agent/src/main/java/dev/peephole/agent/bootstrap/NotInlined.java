package dev.peephole.agent.bootstrap;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link Bridge} method the JIT must not inline into the app's woven methods. The agent's
 * class-injection step turns it into HotSpot's {@code jdk.internal.vm.annotation.DontInline},
 * which the JVM honours only on classes of the boot loader (where the bridge is defined) and
 * which the agent (compiled with {@code --release 11}, where that package is not exported) cannot
 * name in source.
 *
 * <p>Why: inlined, {@code Bridge.enter} pulls the whole span start (sampler, ids, the SDK's span,
 * the context) into the compiled code of every woven method, where it uses up the JIT's inlining
 * budget of the app's own hot method and changes what else gets inlined there. Not inlined, it
 * costs a plain call. Measured: in 16 paired rounds of the doorbell demo's frames
 * ({@code bench/results/agent-2026-12-03-2357.md}) the agent's p99 frame latency over no agent
 * was +9.5 % with the bridge inlined and +3.0 % without, but a second run of 20 rounds without
 * it gave +10.9 % ({@code agent-2026-12-04-0029.md}): no gain beyond the machine's spread is shown.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface NotInlined {
}
