package dev.peephole.agent.core;

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
import net.bytebuddy.dynamic.loading.ClassInjector;

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
        java.util.List<String> order = new java.util.ArrayList<>();
        for (String name : classes.keySet()) {
            if (name.endsWith(".Bridge")) {
                order.add(name); // the only class with interfaces to resolve (none); defined last anyway
            } else {
                order.add(0, name);
            }
        }
        for (String name : order) {
            byte[] b = classes.get(name);
            define.invoke(unsafe, name, b, 0, b.length, null, null);
        }
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
                        classes.put(n.substring(0, n.length() - 6).replace('/', '.'), in.readAllBytes());
                    }
                }
            }
        }
        try {
            defineInBootLoader(inst, classes);
            return;
        } catch (Exception | LinkageError e) {
            Log.debug("direct bootstrap injection unavailable: " + e);
        }
        try {
            ClassInjector.UsingUnsafe.Factory factory = ClassInjector.UsingUnsafe.Factory.resolve(inst);
            if (factory.isAvailable()) {
                factory.make(null, null).injectRaw(classes);
                return;
            }
        } catch (RuntimeException | LinkageError e) {
            Log.debug("Byte Buddy's bootstrap injection unavailable: " + e);
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
