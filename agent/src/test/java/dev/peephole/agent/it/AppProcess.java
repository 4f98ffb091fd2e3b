package dev.peephole.agent.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A JVM started with the packaged agent attached: the demo jar, or a main class on a classpath. */
public final class AppProcess implements AutoCloseable {
    public final Path log;
    private final Process process;

    private AppProcess(List<String> command, Path log) throws Exception {
        this(command, log, java.util.Map.of());
    }

    private AppProcess(List<String> command, Path log, java.util.Map<String, String> env) throws Exception {
        this.log = log;
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        this.process = pb.start();
    }

    /** Starts {@code java [jvmArgs] <launch...>} (no Peephole agent) with further environment variables. */
    public static AppProcess startWithEnv(Path log, java.util.Map<String, String> env, List<String> jvmArgs,
                                          String... launch) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(CollectorProcess.java());
        cmd.add("-Xmx256m");
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(jvmArgs);
        cmd.addAll(Arrays.asList(launch));
        return new AppProcess(cmd, log, env);
    }

    public static Path agentJar() {
        Path jar = Path.of(System.getProperty("peephole.agent.jar", "target/peephole-agent.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: it is built at package (mvn -B verify)");
        }
        return jar;
    }

    public static Path demoJar() {
        Path jar = Path.of(System.getProperty("peephole.demo.jar", "../doorbell-demo/target/doorbell-demo.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the demo first (mvn -B verify at the root)");
        }
        return jar;
    }

    /**
     * Starts {@code java [jvmArgs] -javaagent:agent=agentArgs <launch...>}; {@code launch} is e.g.
     * {@code -jar demo.jar --fps 10} or {@code -cp a:b Main}.
     */
    public static AppProcess start(Path log, String agentArgs, List<String> jvmArgs, String... launch) throws Exception {
        return startOn(CollectorProcess.java(), log, agentArgs, jvmArgs, launch);
    }

    /** As {@link #start}, on the {@code java} launcher given (another JVM than the tests' own). */
    public static AppProcess startOn(String java, Path log, String agentArgs, List<String> jvmArgs, String... launch)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xmx256m");
        cmd.add("-Djava.awt.headless=true");
        cmd.addAll(jvmArgs);
        if (agentArgs != null) {
            cmd.add("-javaagent:" + agentJar() + "=" + agentArgs);
        }
        cmd.addAll(Arrays.asList(launch));
        return new AppProcess(cmd, log);
    }

    public long pid() {
        return process.pid();
    }

    /** Thread dump lines naming threads ({@code "name" #id daemon ...}), via jcmd. */
    public List<String> threadLines() throws Exception {
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid()), "Thread.print").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        List<String> lines = new ArrayList<>();
        for (String l : out.split("\n")) {
            if (l.startsWith("\"")) {
                lines.add(l);
            }
        }
        return lines;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String output() throws Exception {
        return Files.readString(log);
    }

    /** SIGTERM, wait for exit; the exit code. */
    public int stop() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        return process.exitValue();
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            stop();
        }
    }
}
