package dev.peephole.agent.bootstrap;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A {@link Bridge} method the JIT must not inline into the app's woven methods. The agent's
 * class-injection step turns it into HotSpot's {@code jdk.internal.vm.annotation.DontInline},
 * which the JVM honours only on classes of the boot loader (where the bridge is defined) and
 * which no class outside {@code java.base} can name in source.
 *
 * <p>Why: inlined, {@code Bridge.enter} pulls the whole span start (sampler, ids, the SDK's span,
 * the context) into the compiled code of every woven method. That uses up the JIT's inlining budget
 * of the app's own hot method and changes what else gets inlined there: the doorbell demo's
 * face detection ran 5-10 % slower per frame with the bridge inlined. Not inlined, it costs a
 * plain call.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface NotInlined {
}
