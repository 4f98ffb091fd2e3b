package dev.peephole.agent.core.inst;

import dev.peephole.agent.bootstrap.Bridge;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.implementation.bytecode.assign.Assigner;

/**
 * The advice inlined into woven methods. It refers to nothing but {@link Bridge} (on the
 * bootstrap class path) and JDK types, and suppresses every throwable it could raise, so the woven
 * method returns and throws exactly what it did before.
 */
public final class Advices {
    private Advices() {
    }

    /** Bound per woven method to its id in the {@code MethodRegistry}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.PARAMETER)
    public @interface MethodId {
    }

    /** For rules that read only the return value. */
    public static final class Plain {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@MethodId int id) {
            return Bridge.enter(id, null, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object token,
                                @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                                @Advice.Thrown Throwable thrown) {
            Bridge.exit(token, returned, thrown);
        }
    }

    /**
     * For rules that read neither the return value nor the arguments, on methods returning a
     * primitive or void: the return value is not boxed for the agent (nothing reads it, and a box
     * the app never sees cannot carry a trace context anywhere).
     */
    public static final class PlainNoReturn {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@MethodId int id) {
            return Bridge.enter(id, null, null);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable thrown) {
            Bridge.exit(token, null, thrown);
        }
    }

    /** Like {@link PlainNoReturn}, for rules that read the arguments or {@code this}. */
    public static final class WithArgumentsNoReturn {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@MethodId int id, @Advice.This(optional = true) Object self,
                                   @Advice.AllArguments Object[] args) {
            return Bridge.enter(id, self, args);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object token, @Advice.Thrown Throwable thrown) {
            Bridge.exit(token, null, thrown);
        }
    }

    /** For rules that read the arguments or {@code this}. */
    public static final class WithArguments {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@MethodId int id, @Advice.This(optional = true) Object self,
                                   @Advice.AllArguments Object[] args) {
            return Bridge.enter(id, self, args);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object token,
                                @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object returned,
                                @Advice.Thrown Throwable thrown) {
            Bridge.exit(token, returned, thrown);
        }
    }

    /** {@code com.sun.net.httpserver.HttpHandler#handle(HttpExchange)}. */
    public static final class HttpHandle {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static Object enter(@Advice.This Object handler, @Advice.Argument(0) Object exchange) {
            return Bridge.enterHttp(handler, exchange);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter Object token, @Advice.Argument(0) Object exchange,
                                @Advice.Thrown Throwable thrown) {
            Bridge.exitHttp(token, exchange, thrown);
        }
    }

    /** {@code ThreadPoolExecutor#execute(Runnable)}: the task carries the submitter's context. */
    public static final class Execute {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static void enter(@Advice.Argument(value = 0, readOnly = false) Runnable task) {
            task = Bridge.wrap(task);
        }
    }

    /** {@code offer(e)}, {@code offer(e, timeout, unit)}: returns whether the item went in. */
    public static final class Offer {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static boolean enter(@Advice.Argument(0) Object item) {
            return Bridge.enqueue(item);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter boolean recorded, @Advice.Argument(0) Object item,
                                @Advice.Return boolean added, @Advice.Thrown Throwable thrown) {
            if (recorded && (!added || thrown != null)) {
                Bridge.enqueueFailed(item);
            }
        }
    }

    /** {@code put(e)}. */
    public static final class Put {
        @Advice.OnMethodEnter(suppress = Throwable.class)
        public static boolean enter(@Advice.Argument(0) Object item) {
            return Bridge.enqueue(item);
        }

        @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
        public static void exit(@Advice.Enter boolean recorded, @Advice.Argument(0) Object item,
                                @Advice.Thrown Throwable thrown) {
            if (recorded && thrown != null) {
                Bridge.enqueueFailed(item);
            }
        }
    }

    /** {@code take()}, {@code poll(timeout, unit)}: a consumer receives an item and its context. */
    public static final class Take {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object item) {
            Bridge.dequeued(item);
        }
    }

    /** {@code poll()} without waiting, often used to evict: forgets the item's context only. */
    public static final class Evict {
        @Advice.OnMethodExit(suppress = Throwable.class)
        public static void exit(@Advice.Return Object item) {
            if (item != null) {
                Bridge.enqueueFailed(item);
            }
        }
    }
}
