package dev.peephole.agent.core.inst;

import static net.bytebuddy.matcher.ElementMatchers.any;
import static net.bytebuddy.matcher.ElementMatchers.declaresMethod;
import static net.bytebuddy.matcher.ElementMatchers.hasSuperType;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isAnnotatedWith;
import static net.bytebuddy.matcher.ElementMatchers.isBridge;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;
import static net.bytebuddy.matcher.ElementMatchers.nameMatches;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.none;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.peephole.agent.core.Log;
import dev.peephole.agent.core.rules.Rule;
import dev.peephole.agent.core.trace.MethodInfo;
import dev.peephole.agent.core.trace.MethodRegistry;
import dev.peephole.agent.core.trace.MethodInfos;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.ResettableClassFileTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.enumeration.EnumerationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.dynamic.scaffold.TypeValidation;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the agent's {@link TypeInstrumentation}s with one Byte Buddy {@code AgentBuilder}:
 * the YAML rules (and {@code @WithSpan}), HTTP handlers, {@code ThreadPoolExecutor} and the JDK's
 * blocking queues. Classes already loaded are retransformed; no class changes shape.
 */
public final class Instrumenter {
    private final MethodRegistry registry;
    private final AtomicInteger woven = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();

    public Instrumenter(MethodRegistry registry) {
        this.registry = registry;
    }

    /** An instrumentation: which types, and what to do to them (OpenTelemetry-instrumentation style). */
    public interface TypeInstrumentation {
        ElementMatcher<TypeDescription> typeMatcher();

        DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type);
    }

    /**
     * {@code retransformAll}: consider every loaded class (the agent was attached to a running
     * JVM); otherwise (premain) only the JDK classes woven here are loaded already and are
     * retransformed, which keeps start-up short.
     */
    public ResettableClassFileTransformer install(Instrumentation inst, List<TypeInstrumentation> instrumentations,
                                                  boolean retransformAll) {
        AgentBuilder.RedefinitionListenable.WithoutBatchStrategy retransforming = new AgentBuilder.Default(
                new ByteBuddy().with(TypeValidation.DISABLED))
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION);
        AgentBuilder.RedefinitionListenable redefinition = retransforming;
        if (!retransformAll) {
            List<Class<?>> loaded = new ArrayList<>();
            for (String n : JDK_WOVEN) {
                try {
                    loaded.add(Class.forName(n, false, null));
                } catch (ClassNotFoundException | LinkageError e) {
                    // not in this JDK
                }
            }
            redefinition = retransforming.redefineOnly(loaded.toArray(new Class<?>[0]));
        }
        AgentBuilder ab = redefinition
                .with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
                .with(AgentBuilder.TypeStrategy.Default.DECORATE)
                .with(AgentBuilder.PoolStrategy.Default.FAST)
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module,
                                                 boolean loaded, DynamicType dynamicType) {
                        if (Log.debugEnabled()) {
                            Log.debug("woven " + type.getName());
                        }
                    }

                    @Override
                    public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded,
                                        Throwable throwable) {
                        errors.incrementAndGet();
                        Log.debug("could not weave " + typeName + ": " + throwable);
                    }
                })
                .ignore(ignored());
        for (TypeInstrumentation ti : instrumentations) {
            ab = ab.type(ti.typeMatcher()).transform((builder, type, loader, module, pd) -> ti.transform(builder, type));
        }
        return ab.installOn(inst);
    }

    /** Never woven: the agent itself, the JDK (but the few classes named below), generated classes. */
    static ElementMatcher.Junction<TypeDescription> ignored() {
        return nameStartsWith("dev.peephole.agent.")
                .or(nameStartsWith("java.").and(not(namedOneOf(JDK_WOVEN))))
                .or(nameStartsWith("javax."))
                .or(nameStartsWith("jdk."))
                .or(nameStartsWith("sun."))
                .or(nameStartsWith("com.sun.").and(not(nameStartsWith("com.sun.net.httpserver."))))
                .or(nameStartsWith("net.bytebuddy."))
                .or(nameStartsWith("org.junit.").or(nameStartsWith("org.gradle.")).or(nameStartsWith("org.apache.maven.")))
                .or(nameMatches(".*\\$\\$Lambda.*|.*\\$Proxy\\d+"))
                .or(isSynthetic());
    }

    static final String[] JDK_WOVEN = {
        "java.util.concurrent.ThreadPoolExecutor",
        "java.util.concurrent.ArrayBlockingQueue",
        "java.util.concurrent.LinkedBlockingQueue",
        "java.util.concurrent.LinkedBlockingDeque",
    };

    public int errors() {
        return errors.get();
    }

    public int wovenMethods() {
        return woven.get();
    }

    // ------------------------------------------------------------------ rules

    /** All YAML rules (and the @WithSpan rules) as one instrumentation; the first rule matching a method wins. */
    public TypeInstrumentation rules(List<Rule> rules) {
        ElementMatcher.Junction<TypeDescription> types = none();
        List<ElementMatcher<TypeDescription>> perRule = new ArrayList<>();
        for (Rule r : rules) {
            ElementMatcher.Junction<TypeDescription> t = typeMatcher(r);
            perRule.add(t);
            types = types.or(t);
        }
        ElementMatcher.Junction<TypeDescription> typeMatcher = not(isInterface()).and(types);
        return new TypeInstrumentation() {
            @Override
            public ElementMatcher<TypeDescription> typeMatcher() {
                return typeMatcher;
            }

            @Override
            public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type) {
                List<Rule> matching = new ArrayList<>();
                for (int i = 0; i < rules.size(); i++) {
                    if (perRule.get(i).matches(type)) {
                        matching.add(rules.get(i));
                    }
                }
                for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
                    if (!m.isMethod() || m.isAbstract() || m.isNative() || m.isBridge() || m.isSynthetic()) {
                        continue;
                    }
                    for (Rule r : matching) {
                        if (methodMatches(r, m)) {
                            builder = weave(builder, type, m, r);
                            break;
                        }
                    }
                }
                return builder;
            }
        };
    }

    private DynamicType.Builder<?> weave(DynamicType.Builder<?> builder, TypeDescription type,
                                         MethodDescription.InDefinedShape m, Rule r) {
        String spanName = r.spanTemplate;
        String kind = r.kind;
        if (r.fromAnnotation) {
            AnnotationDescription a = annotation(m, r.methodAnnotation);
            if (a != null) {
                String v = value(a, "value");
                if (v != null && !v.isEmpty()) {
                    spanName = v.replace("{", "(").replace("}", ")");
                }
                String k = value(a, "kind");
                if (k != null) {
                    kind = k;
                }
            }
        }
        // A primitive (or void) return value is boxed for the agent only when the rule reads it:
        // the box is never the app's object, so no trace context is carried by it.
        boolean primitiveReturn = m.getReturnType().isPrimitive();
        MethodInfo info = registry.register(MethodInfos.factory(r, type.getName(), m.getName(), spanName, kind,
                !primitiveReturn));
        woven.incrementAndGet();
        boolean boxReturn = !primitiveReturn || r.readsReturn();
        Class<?> advice = r.needsArguments()
                ? (boxReturn ? Advices.WithArguments.class : Advices.WithArgumentsNoReturn.class)
                : (boxReturn ? Advices.Plain.class : Advices.PlainNoReturn.class);
        return builder.visit(Advice.withCustomMapping().bind(Advices.MethodId.class, info.id())
                .to(advice).on(net.bytebuddy.matcher.ElementMatchers.is(m)));
    }

    private static AnnotationDescription annotation(MethodDescription m, String name) {
        for (AnnotationDescription a : m.getDeclaredAnnotations()) {
            if (a.getAnnotationType().getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static String value(AnnotationDescription a, String property) {
        try {
            for (MethodDescription.InDefinedShape p : a.getAnnotationType().getDeclaredMethods()) {
                if (p.getName().equals(property)) {
                    Object v = a.getValue(p).resolve();
                    if (v instanceof EnumerationDescription) {
                        return ((EnumerationDescription) v).getValue();
                    }
                    return v == null ? null : String.valueOf(v);
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    static ElementMatcher.Junction<TypeDescription> typeMatcher(Rule r) {
        ElementMatcher.Junction<TypeDescription> m = any();
        if (r.classPattern != null) {
            m = m.and(r.classGlob != null ? nameMatches(r.classGlob.pattern()) : named(r.classPattern));
        }
        if (r.supertype != null) {
            m = m.and(hasSuperType(named(r.supertype)));
        }
        if (r.classAnnotation != null) {
            m = m.and(isAnnotatedWith(named(r.classAnnotation)));
        }
        if (r.classPattern == null && r.supertype == null && r.classAnnotation == null && r.methodAnnotation != null) {
            m = m.and(declaresMethod(isAnnotatedWith(named(r.methodAnnotation))));
        }
        return m;
    }

    static boolean methodMatches(Rule r, MethodDescription m) {
        if (r.methodPattern != null) {
            if (r.methodGlob != null ? !r.methodGlob.matcher(m.getName()).matches() : !r.methodPattern.equals(m.getName())) {
                return false;
            }
        }
        if (r.methodAnnotation != null && annotation(m, r.methodAnnotation) == null) {
            return false;
        }
        if (r.parameters != null) {
            List<String> want = r.parameters;
            if (m.getParameters().size() != want.size()) {
                return false;
            }
            int i = 0;
            for (ParameterDescription p : m.getParameters()) {
                TypeDescription t = p.getType().asErasure();
                String w = want.get(i++);
                if (!w.equals(t.getActualName()) && !w.equals(t.getSimpleName()) && !w.equals(t.getName())) {
                    return false;
                }
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ HTTP, executors, queues

    /** Server spans for {@code com.sun.net.httpserver.HttpHandler#handle(HttpExchange)} implementations. */
    public static TypeInstrumentation httpHandlers() {
        ElementMatcher.Junction<TypeDescription> types = not(isInterface())
                .and(hasSuperType(named("com.sun.net.httpserver.HttpHandler")));
        return simple(types, Advices.HttpHandle.class, named("handle").and(takesArguments(1))
                .and(takesArgument(0, named("com.sun.net.httpserver.HttpExchange"))).and(not(isAbstract())));
    }

    public static TypeInstrumentation executors() {
        return simple(named("java.util.concurrent.ThreadPoolExecutor"), Advices.Execute.class,
                named("execute").and(takesArguments(1)).and(takesArgument(0, named("java.lang.Runnable"))));
    }

    public static TypeInstrumentation queues() {
        ElementMatcher.Junction<TypeDescription> types = namedOneOf(
                "java.util.concurrent.ArrayBlockingQueue",
                "java.util.concurrent.LinkedBlockingQueue",
                "java.util.concurrent.LinkedBlockingDeque");
        return new TypeInstrumentation() {
            @Override
            public ElementMatcher<TypeDescription> typeMatcher() {
                return types;
            }

            @Override
            public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type) {
                return builder
                        .visit(Advice.to(Advices.Offer.class).on(isMethod().and(named("offer"))
                                .and(takesArguments(1).or(takesArguments(3))).and(returns(boolean.class))))
                        .visit(Advice.to(Advices.Put.class).on(isMethod().and(named("put")).and(takesArguments(1))))
                        .visit(Advice.to(Advices.Take.class).on(isMethod().and(named("take").and(takesArguments(0))
                                .or(named("poll").and(takesArguments(2))))))
                        .visit(Advice.to(Advices.Evict.class).on(isMethod().and(named("poll")).and(takesArguments(0))));
            }
        };
    }

    private static TypeInstrumentation simple(ElementMatcher<TypeDescription> types, Class<?> advice,
                                              ElementMatcher<? super MethodDescription> methods) {
        return new TypeInstrumentation() {
            @Override
            public ElementMatcher<TypeDescription> typeMatcher() {
                return types;
            }

            @Override
            public DynamicType.Builder<?> transform(DynamicType.Builder<?> builder, TypeDescription type) {
                return builder.visit(Advice.to(advice).on(isMethod().and(methods).and(not(isBridge()))));
            }
        };
    }

    public static List<TypeInstrumentation> list() {
        return new ArrayList<>();
    }
}
