package dev.peephole.agent.core;

import net.bytebuddy.jar.asm.AnnotationVisitor;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.utility.OpenedClassReader;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;

/**
 * Defines the bridge classes ({@code dev.peephole.agent.bootstrap.*}, read from the agent jar) in
 * the bootstrap class loader, so woven code in any class loader, the JDK's included, can call them.
 * Injected directly where the JVM allows it; otherwise the classes go into a small jar appended
 * to the bootstrap class path (which makes some JVMs print a class-data-sharing warning).
 */
final class BootstrapInjector {
    static final String PACKAGE = "dev/peephole/agent/bootstrap/";

    private BootstrapInjector() {
    }

    /**
     * {@code ClassLoader.defineClass1(null, ...)}, the JDK's own native define with the boot
     * loader, made accessible by opening {@code java.lang} to the agent's module through
     * {@link Instrumentation#redefineModule}.
     */
    private static void defineWithClassLoaderNative(Instrumentation inst, Map<String, byte[]> classes) throws Exception {
        Module base = Object.class.getModule();
        Module me = BootstrapInjector.class.getModule();
        inst.redefineModule(base, java.util.Set.of(), Map.of(), Map.of("java.lang", java.util.Set.of(me)),
                java.util.Set.of(), Map.of());
        java.lang.reflect.Method define = ClassLoader.class.getDeclaredMethod("defineClass1", ClassLoader.class,
                String.class, byte[].class, int.class, int.class, java.security.ProtectionDomain.class, String.class);
        define.setAccessible(true);
        for (String name : order(classes)) {
            byte[] b = classes.get(name);
            define.invoke(null, null, name, b, 0, b.length, null, null);
        }
    }

    /** Interfaces first: a class's interfaces must exist before it. */
    private static java.util.List<String> order(Map<String, byte[]> classes) {
        java.util.List<String> order = new java.util.ArrayList<>();
        for (String name : classes.keySet()) {
            if (name.endsWith(".Bridge")) {
                order.add(name);
            } else {
                order.add(0, name);
            }
        }
        return order;
    }

    /**
     * {@code jdk.internal.misc.Unsafe#defineClass} with the boot loader, made reachable by
     * exporting that package to the agent's module through {@link Instrumentation#redefineModule}.
     * Interfaces first: a class's interfaces must be defined before it.
     */
    private static void defineInBootLoader(Instrumentation inst, Map<String, byte[]> classes) throws Exception {
        Module base = Object.class.getModule();
        Module me = BootstrapInjector.class.getModule();
        inst.redefineModule(base, java.util.Set.of(), Map.of("jdk.internal.misc", java.util.Set.of(me)),
                Map.of(), java.util.Set.of(), Map.of());
        Class<?> unsafeClass = Class.forName("jdk.internal.misc.Unsafe");
        Object unsafe = unsafeClass.getMethod("getUnsafe").invoke(null);
        java.lang.reflect.Method define = unsafeClass.getMethod("defineClass", String.class, byte[].class, int.class,
                int.class, ClassLoader.class, java.security.ProtectionDomain.class);
        for (String name : order(classes)) {
            byte[] b = classes.get(name);
            define.invoke(unsafe, name, b, 0, b.length, null, null);
        }
    }

    static final String NOT_INLINED = "L" + PACKAGE + "NotInlined;";
    static final String DONT_INLINE = "Ljdk/internal/vm/annotation/DontInline;";

    /**
     * A bridge class with HotSpot's {@code @DontInline} next to each {@code @NotInlined} (see
     * there why). The JVM reads that annotation only on boot-loader classes, which the bridge
     * classes become here; elsewhere it is ignored.
     */
    static byte[] withDontInline(byte[] classFile) {
        ClassReader reader = new ClassReader(classFile);
        ClassWriter writer = new ClassWriter(reader, 0);
        boolean[] changed = {false};
        reader.accept(new ClassVisitor(OpenedClassReader.ASM_API, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                return new MethodVisitor(OpenedClassReader.ASM_API,
                        super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public AnnotationVisitor visitAnnotation(String desc, boolean visible) {
                        if (NOT_INLINED.equals(desc)) {
                            changed[0] = true;
                            AnnotationVisitor dontInline = super.visitAnnotation(DONT_INLINE, true);
                            if (dontInline != null) {
                                dontInline.visitEnd();
                            }
                        }
                        return super.visitAnnotation(desc, visible);
                    }
                };
            }
        }, 0);
        return changed[0] ? writer.toByteArray() : classFile;
    }

    static void inject(Instrumentation inst, File agentJar) throws IOException {
        Map<String, byte[]> classes = new LinkedHashMap<>();
        try (JarFile jar = new JarFile(agentJar)) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String n = e.getName();
                if (n.startsWith(PACKAGE) && n.endsWith(".class")) {
                    try (InputStream in = jar.getInputStream(e)) {
                        classes.put(n.substring(0, n.length() - 6).replace('/', '.'), withDontInline(in.readAllBytes()));
                    }
                }
            }
        }
        try {
            defineWithClassLoaderNative(inst, classes);
            return;
        } catch (Exception | LinkageError e) {
            Log.debug("ClassLoader.defineClass1 unavailable: " + e);
        }
        try {
            defineInBootLoader(inst, classes);
            return;
        } catch (Exception | LinkageError e) {
            Log.debug("Unsafe.defineClass unavailable: " + e);
        }
        Path dir = Files.createTempDirectory("peephole-bootstrap");
        Path jarPath = dir.resolve("peephole-bootstrap.jar");
        dir.toFile().deleteOnExit();
        jarPath.toFile().deleteOnExit();
        try (OutputStream os = Files.newOutputStream(jarPath); JarOutputStream jos = new JarOutputStream(os)) {
            for (Map.Entry<String, byte[]> c : classes.entrySet()) {
                jos.putNextEntry(new JarEntry(c.getKey().replace('.', '/') + ".class"));
                jos.write(c.getValue());
                jos.closeEntry();
            }
        }
        inst.appendToBootstrapClassLoaderSearch(new JarFile(jarPath.toFile()));
    }
}
