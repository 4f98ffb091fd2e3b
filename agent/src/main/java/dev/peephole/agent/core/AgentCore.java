package dev.peephole.agent.core;

import dev.peephole.agent.core.config.AgentConfig;
import dev.peephole.agent.core.config.Setting;
import dev.peephole.agent.core.metrics.AgentSelfMetrics;
import dev.peephole.agent.core.metrics.MetricsScheduler;
import dev.peephole.agent.core.transport.Buffer;
import dev.peephole.agent.core.transport.Identity;
import dev.peephole.agent.core.transport.Sender;
import dev.peephole.proto.v1.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Starts and stops the agent: configuration, transport, tracing, instrumentation and metrics. */
public final class AgentCore {
    private static volatile AgentCore running;

    final AgentConfig config;
    final Buffer buffer;
    final MetricsScheduler metrics;
    /** Made on the {@code peephole-start} thread, after premain has returned; null until then. */
    volatile Identity identity;
    volatile Sender sender;
    private final java.util.List<Consumer<Settings>> settingsListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);

    private AgentCore(AgentConfig config) {
        this.config = config;
        this.buffer = new Buffer(config.getInt(Setting.QUEUE_MAX_SPANS), config.getInt(Setting.QUEUE_MAX_POINTS),
                config.getInt(Setting.BATCH_MAX_SPANS));
        this.metrics = new MetricsScheduler(buffer, config.getDuration(Setting.METRICS_INTERVAL));
    }

    /**
     * Called by {@code AgentMain} in the agent's class loader, on the thread that runs premain
     * (before the app's {@code main}). Only what weaving the classes loaded from now on needs is
     * done here: the configuration and rules, the bridge in the bootstrap class loader, the span
     * buffer, the Byte Buddy transformer and the shutdown hook. Everything else (the OpenTelemetry
     * SDK's tracer, the identity, the gRPC channel and Netty, the sender, JVM and OSHI host
     * metrics) starts on the {@code peephole-start} daemon thread; spans ended before the sender is
     * up wait in the bounded buffer (oldest dropped and counted when full), so no app thread waits.
     * With {@code log.level=debug} the time of each step is logged.
     */
    public static void start(String agentArgs, Instrumentation inst, java.io.File agentJar, boolean attached,
                             long startedNanos) {
        try {
            AgentConfig config = AgentConfig.load(agentArgs);
            Log.setLevel(Log.parseLevel(config.get(Setting.LOG_LEVEL)));
            if (!config.getBoolean(Setting.ENABLED)) {
                Log.info("disabled (enabled=false)");
                return;
            }
            Log.debug("core loaded, configuration read after " + ms(startedNanos) + " ms");
            // Byte Buddy's set-up on a second thread while this one reads the rules and injects the
            // bridge; the same thread then starts the rest once premain has returned.
            java.util.concurrent.CountDownLatch premainDone = new java.util.concurrent.CountDownLatch(1);
            AgentCore[] made = new AgentCore[1];
            long[] premainMs = new long[1];
            Thread bg = new Thread(() -> {
                dev.peephole.agent.core.inst.Instrumenter.warmUp();
                Log.debug("byte buddy warmed up after " + ms(startedNanos) + " ms");
                try {
                    premainDone.await();
                } catch (InterruptedException e) {
                    return;
                }
                if (made[0] != null) {
                    made[0].startInBackground(startedNanos, premainMs[0]);
                }
            }, "peephole-start");
            bg.setDaemon(true);
            bg.start();
            try {
                if (agentJar != null) {
                    BootstrapInjector.inject(inst, agentJar);
                }
                Log.debug("bridge injected after " + ms(startedNanos) + " ms");
                AgentCore core = new AgentCore(config);
                core.installTracing(inst, attached, startedNanos);
                running = core;
                Thread hook = new Thread(core::shutdown, "peephole-shutdown");
                hook.setDaemon(true);
                Runtime.getRuntime().addShutdownHook(hook);
                made[0] = core;
            } finally {
                // whatever happened, the start thread goes on (or ends, when nothing was made)
                premainMs[0] = ms(startedNanos);
                premainDone.countDown();
            }
            Log.debug("premain returns after " + premainMs[0] + " ms; the rest starts in the background");
        } catch (Throwable t) {
            Log.error("the agent could not start, the application runs without it", t);
        }
    }

    private static long ms(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    public static AgentCore running() {
        return running;
    }

    private Object tracing; // TracingSetup, typed loosely: it names bridge classes

    private String startSummary() {
        if (tracing instanceof TracingSetup) {
            TracingSetup t = (TracingSetup) tracing;
            return ", " + t.rules.size() + " rules";
        }
        return "";
    }

    /** The tracing part, for tests; null when tracing did not start. */
    public Object tracingSetup() {
        return tracing;
    }

    /** On the premain thread: rules, the bridge's dispatcher (its tracer made lazily) and the transformer. */
    private void installTracing(Instrumentation inst, boolean attached, long startedNanos) {
        try {
            TracingSetup t = TracingSetup.install(config, buffer, inst, attached, startedNanos);
            tracing = t;
            if (t.spanMetrics != null) {
                metrics.add(t.spanMetrics);
            }
            addSettingsListener(t::apply);
        } catch (RuntimeException | LinkageError e) {
            Log.error("instrumentation could not start; metrics only", e);
        }
    }

    /** On the {@code peephole-start} thread: the tracer, identity, transport and metrics. */
    private void startInBackground(long startedNanos, long premainMs) {
        try {
            quietLibraries();
            // gRPC's Netty uses NIO: no attempt to load its native transport (the agent ships none)
            System.setProperty("io.grpc.netty.shaded.io.netty.transport.noNative", "true");
            if (tracing instanceof TracingSetup) {
                ((TracingSetup) tracing).tracer();
                Log.debug("tracer ready after " + ms(startedNanos) + " ms");
            }
            Identity id = identity(config);
            Sender s = new Sender(senderOptions(config), buffer, id, this::applySettings);
            identity = id;
            sender = s;
            Log.debug("identity and sender ready after " + ms(startedNanos) + " ms");
            metrics.add(new AgentSelfMetrics(buffer, s));
            if (config.getBoolean(Setting.METRICS_JVM)) {
                metrics.add(new dev.peephole.agent.core.metrics.JvmMetrics());
            }
            if (config.getBoolean(Setting.METRICS_HOST)) {
                metrics.add(new dev.peephole.agent.core.metrics.HostMetrics());
            }
            s.start();
            metrics.start();
            Log.info("peephole-agent " + version() + " started for service " + id.serviceName
                    + " as " + id.agentId + ", collector " + config.get(Setting.COLLECTOR)
                    + startSummary() + " (premain " + premainMs + " ms, all started after " + ms(startedNanos) + " ms)");
        } catch (Throwable t) {
            Log.error("the agent's transport and metrics could not start; the application runs on", t);
        } finally {
            started.countDown();
        }
    }

    /** Waits until the background start is over, at most {@code max}; true when it is. For tests and shutdown. */
    public boolean awaitStarted(Duration max) {
        try {
            return started.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void addSettingsListener(Consumer<Settings> l) {
        settingsListeners.add(l);
    }

    private void applySettings(Settings s) {
        for (Consumer<Settings> l : settingsListeners) {
            l.accept(s);
        }
    }

    /** JVM exit: take the last metrics, send what is held, for at most {@code shutdown.flush}. */
    void shutdown() {
        try {
            awaitStarted(config.getDuration(Setting.SHUTDOWN_FLUSH));
            metrics.stop();
            metrics.collectNow();
            Sender s = sender;
            if (s != null) {
                s.shutdown(config.getDuration(Setting.SHUTDOWN_FLUSH));
            }
        } catch (Throwable t) {
            Log.debug("shutdown: " + t);
        }
    }

    public Sender sender() {
        return sender;
    }

    public Buffer buffer() {
        return buffer;
    }

    // ------------------------------------------------------------------ identity

    static Identity identity(AgentConfig config) {
        String service = config.get(Setting.SERVICE);
        if (service.isEmpty()) {
            service = defaultServiceName();
        }
        String host = hostName();
        String agentId = config.get(Setting.AGENT_ID);
        if (agentId.isEmpty()) {
            agentId = service + "@" + host;
        }
        long startNanos;
        try {
            startNanos = ProcessHandle.current().info().startInstant().map(AgentCore::nanos)
                    .orElse(System.currentTimeMillis() * 1_000_000L);
        } catch (RuntimeException e) {
            startNanos = System.currentTimeMillis() * 1_000_000L;
        }
        return new Identity(agentId, service, config.get(Setting.SERVICE_VERSION), host, ProcessHandle.current().pid(),
                version(), startNanos, config.resourceAttributes());
    }

    private static long nanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static String defaultServiceName() {
        String cmd = System.getProperty("sun.java.command", "").trim();
        if (cmd.isEmpty()) {
            return "unknown_service:java";
        }
        String first = cmd.split("\\s+")[0];
        if (first.endsWith(".jar")) {
            String name = Path.of(first).getFileName().toString();
            return name.substring(0, name.length() - 4);
        }
        int dot = first.lastIndexOf('.');
        return (dot >= 0 ? first.substring(dot + 1) : first).toLowerCase(Locale.ROOT);
    }

    static String hostName() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.trim();
        }
        try {
            String s = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).trim();
            if (!s.isEmpty()) {
                return s;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }

    /** The sender's settings from the agent's configuration. */
    static Sender.Options senderOptions(AgentConfig config) {
        Sender.Options o = new Sender.Options();
        o.target = config.get(Setting.COLLECTOR);
        o.token = token(config);
        o.caFile = config.get(Setting.CA);
        o.tls = config.getBoolean(Setting.TLS) || !o.caFile.isEmpty();
        o.batchMaxSpans = config.getInt(Setting.BATCH_MAX_SPANS);
        o.batchMaxPoints = config.getInt(Setting.BATCH_MAX_POINTS);
        o.batchInterval = config.getDuration(Setting.BATCH_INTERVAL);
        o.maxInFlight = config.getInt(Setting.MAX_IN_FLIGHT);
        o.maxUnackedBytes = config.getLong(Setting.QUEUE_MAX_BYTES);
        o.heartbeatInterval = config.getDuration(Setting.HEARTBEAT_INTERVAL);
        o.reconnectInitial = config.getDuration(Setting.RECONNECT_INITIAL);
        o.reconnectMax = config.getDuration(Setting.RECONNECT_MAX);
        return o;
    }

    static String token(AgentConfig config) {
        String t = config.get(Setting.TOKEN);
        if (t.isEmpty() && !config.get(Setting.TOKEN_FILE).isEmpty()) {
            try {
                t = Files.readString(Path.of(config.get(Setting.TOKEN_FILE)), StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                Log.warn("token file " + config.get(Setting.TOKEN_FILE) + " could not be read", e);
            }
        }
        if (t.isEmpty()) {
            Log.warn("no agent token configured (token=...); the collector will refuse the agent");
        }
        return t;
    }

    public static String version() {
        try (InputStream in = AgentCore.class.getResourceAsStream("agent.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "dev");
        } catch (IOException e) {
            return "dev";
        }
    }

    /** The relocated libraries log through java.util.logging; the app's console is not theirs. */
    private static final java.util.List<java.util.logging.Logger> QUIET = new java.util.ArrayList<>();

    private static void quietLibraries() {
        for (String name : new String[] {"dev.peephole.agent.shaded"}) {
            java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
            l.setLevel(Log.debugEnabled() ? java.util.logging.Level.WARNING : java.util.logging.Level.OFF);
            QUIET.add(l);
        }
    }

}
