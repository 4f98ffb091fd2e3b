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
    static final int ENCODE_EVERY_SPANS = 64;

    final AgentConfig config;
    final Identity identity;
    final Buffer buffer;
    final Sender sender;
    final MetricsScheduler metrics;
    private final java.util.List<Consumer<Settings>> settingsListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private AgentCore(AgentConfig config, Identity identity) {
        this.config = config;
        this.identity = identity;
        // The sender is woken every ENCODE_EVERY_SPANS ended spans to encode them (a short step each
        // time, not one long burst per batch), so few live span objects wait for a young GC to copy.
        this.buffer = new Buffer(config.getInt(Setting.QUEUE_MAX_SPANS), config.getInt(Setting.QUEUE_MAX_POINTS),
                Math.min(ENCODE_EVERY_SPANS, config.getInt(Setting.BATCH_MAX_SPANS)));
        Sender.Options o = senderOptions(config);
        this.sender = new Sender(o, buffer, identity, this::applySettings);
        this.metrics = new MetricsScheduler(buffer, config.getDuration(Setting.METRICS_INTERVAL));
    }

    /** Called by {@code AgentMain} in the agent's class loader. */
    public static void start(String agentArgs, Instrumentation inst, java.io.File agentJar, boolean attached,
                             long startedNanos) {
        try {
            AgentConfig config = AgentConfig.load(agentArgs);
            Log.setLevel(Log.parseLevel(config.get(Setting.LOG_LEVEL)));
            if (!config.getBoolean(Setting.ENABLED)) {
                Log.info("disabled (enabled=false)");
                return;
            }
            Log.debug("core loaded after " + ms(startedNanos) + " ms");
            quietLibraries();
            // gRPC's Netty uses NIO: no attempt to load its native transport (the agent ships none)
            System.setProperty("io.grpc.netty.shaded.io.netty.transport.noNative", "true");
            if (agentJar != null) {
                BootstrapInjector.inject(inst, agentJar);
            }
            Log.debug("bridge injected after " + ms(startedNanos) + " ms");
            AgentCore core = new AgentCore(config, identity(config));
            Log.debug("identity and sender ready after " + ms(startedNanos) + " ms");
            core.startAll(inst, attached, startedNanos);
            running = core;
            Log.info("peephole-agent " + version() + " started for service " + core.identity.serviceName
                    + " as " + core.identity.agentId + ", collector " + config.get(Setting.COLLECTOR)
                    + core.startSummary() + " (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos) + " ms)");
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

    private void startAll(Instrumentation inst, boolean attached, long startedNanos) {
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
        metrics.add(new AgentSelfMetrics(buffer, sender));
        if (config.getBoolean(Setting.METRICS_JVM)) {
            metrics.add(new dev.peephole.agent.core.metrics.JvmMetrics());
        }
        if (config.getBoolean(Setting.METRICS_HOST)) {
            metrics.add(new dev.peephole.agent.core.metrics.HostMetrics());
        }
        sender.start();
        metrics.start();
        Thread hook = new Thread(this::shutdown, "peephole-shutdown");
        hook.setDaemon(true);
        Runtime.getRuntime().addShutdownHook(hook);
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
            metrics.stop();
            metrics.collectNow();
            sender.shutdown(config.getDuration(Setting.SHUTDOWN_FLUSH));
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
