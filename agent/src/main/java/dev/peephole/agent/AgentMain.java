package dev.peephole.agent;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The agent's entry point, and the only agent class the app's class loader holds. It
 * <ol>
 *   <li>opens the nested {@code inst/peephole-agent-inst.jar} (the agent core and its relocated
 *       libraries) in a class loader of its own whose parent is the platform class loader, and</li>
 *   <li>starts the core there, which defines the bridge ({@code dev.peephole.agent.bootstrap}) in the
 *       bootstrap class loader, where woven code in every class loader can see it.</li>
 * </ol>
 * Nothing here may throw into the app: a failure prints one line and the app runs on.
 */
public final class AgentMain {
    private static final String INST_JAR = "inst/peephole-agent-inst.jar";
    private static boolean started;

    private AgentMain() {
    }

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static synchronized void start(String args, Instrumentation inst, boolean attached) {
        if (started) {
            return;
        }
        started = true;
        long t0 = System.nanoTime();
        try {
            File agentJar = new File(AgentMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            File instJar = instJar(agentJar);
            ClassLoader loader = new AgentClassLoader(new URL[] {instJar.toURI().toURL()});
            Class<?> core = Class.forName("dev.peephole.agent.core.AgentCore", true, loader);
            Method m = core.getMethod("start", String.class, Instrumentation.class, File.class, boolean.class,
                    long.class);
            m.invoke(null, args, inst, agentJar, attached, t0);
        } catch (Throwable t) {
            System.err.println("[peephole-agent] ERROR the agent could not start, the application runs without it: " + t);
        }
    }

    /**
     * The nested jar as a file of its own, which a class loader can open: kept in the temp
     * directory under a name made of its CRC and size, so later starts of the same agent reuse it
     * (written under a temporary name and moved into place: concurrent starts do not clash).
     */
    private static File instJar(File agentJar) throws Exception {
        try (JarFile jar = new JarFile(agentJar)) {
            JarEntry e = jar.getJarEntry(INST_JAR);
            String name = "peephole-agent-inst-" + Long.toHexString(e.getCrc()) + "-" + e.getSize() + ".jar";
            Path dir = Path.of(System.getProperty("java.io.tmpdir"));
            Path target = dir.resolve(name);
            if (Files.isRegularFile(target) && Files.size(target) == e.getSize()) {
                return target.toFile();
            }
            Path tmp = Files.createTempFile(dir, "peephole-agent-inst", ".tmp");
            try (InputStream in = jar.getInputStream(e)) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException moveFailed) {
                Files.deleteIfExists(tmp);
                if (!Files.isRegularFile(target) || Files.size(target) != e.getSize()) {
                    throw moveFailed;
                }
            }
            return target.toFile();
        }
    }

    /**
     * The agent's class loader: its own packages from the nested jar, anything else parent-first
     * from the platform class loader only, never from the app's.
     *
     * <p>Deliberately not parallel capable. A parallel-capable loader keeps a lock object per class
     * name it was ever asked for, for the life of the JVM, and so does the platform loader for every
     * name delegated to it: about 6,500 names each in the doorbell demo, where dropping both maps
     * left 21,000 fewer objects in the app's heap for as long as it runs. One lock on the loader
     * costs nothing after start-up, when the agent's classes are loaded. It cannot deadlock: no
     * other loader delegates to this one, and this one only delegates to the platform loader.
     */
    static final class AgentClassLoader extends URLClassLoader {
        /** Packages only the nested jar holds (JNA is not relocated: its native code names its classes). */
        private static final String[] OWN_PACKAGES = {"dev.peephole.agent.core.", "dev.peephole.agent.shaded.", "com.sun.jna."};

        AgentClassLoader(URL[] urls) {
            super("peephole-agent", urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!isOwn(name)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    c = findClass(name);
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }

        private static boolean isOwn(String name) {
            for (String p : OWN_PACKAGES) {
                if (name.startsWith(p)) {
                    return true;
                }
            }
            return false;
        }
    }
}
