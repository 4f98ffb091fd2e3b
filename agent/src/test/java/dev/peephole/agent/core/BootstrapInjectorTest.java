package dev.peephole.agent.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.agent.bootstrap.Bridge;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.utility.OpenedClassReader;
import org.junit.jupiter.api.Test;

class BootstrapInjectorTest {
    private static byte[] bridgeClassFile() throws Exception {
        try (InputStream in = Bridge.class.getResourceAsStream("Bridge.class")) {
            return in.readAllBytes();
        }
    }

    /** The methods of a class file carrying an annotation. */
    private static List<String> annotated(byte[] classFile, String annotation) {
        List<String> out = new ArrayList<>();
        new ClassReader(classFile).accept(new ClassVisitor(OpenedClassReader.ASM_API) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                return new MethodVisitor(OpenedClassReader.ASM_API) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String d, boolean visible) {
                        if (d.equals(annotation)) {
                            out.add(name);
                        }
                        return null;
                    }
                };
            }
        }, 0);
        return out;
    }

    @Test
    void theBridgeMethodsWovenCodeCallsAreMarkedDontInlineAndTheRestAreNot() throws Exception {
        byte[] original = bridgeClassFile();
        assertThat(annotated(original, BootstrapInjector.DONT_INLINE)).isEmpty();

        byte[] injected = BootstrapInjector.withDontInline(original);

        assertThat(annotated(injected, BootstrapInjector.DONT_INLINE))
                .containsExactlyInAnyOrder("enter", "exit", "enterHttp", "exitHttp", "wrap", "enqueue",
                        "enqueueFailed", "dequeued");
        // the class is still one the JVM takes: define it apart from the loaded one
        ClassLoader loader = new ClassLoader(Bridge.class.getClassLoader()) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(Bridge.class.getName())) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, injected, 0, injected.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        };
        Class<?> copy = loader.loadClass(Bridge.class.getName());
        assertThat(copy).isNotSameAs(Bridge.class);
        assertThat(copy.getMethod("enter", int.class, Object.class, Object[].class).invoke(null, 1, null, null))
                .as("no dispatcher installed in the copy: enter does nothing").isNull();
    }

    @Test
    void aClassWithoutNotInlinedIsLeftByteForByte() throws Exception {
        byte[] dispatcher;
        try (InputStream in = Bridge.class.getResourceAsStream("Dispatcher.class")) {
            dispatcher = in.readAllBytes();
        }
        assertThat(BootstrapInjector.withDontInline(dispatcher)).isSameAs(dispatcher);
    }
}
