package dev.peephole.collector.probes;

import dev.peephole.collector.db.DatabaseLocation;
import dev.peephole.collector.db.DatabaseProbe;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.storage.StorageReadiness;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the health probes: those of the probe files in {@code PEEPHOLE_RULES} (see
 * {@link ProbeFiles}), reloaded when the files change, and the built-in probe of the
 * collector's database ({@code probe="database"}). Each runs on its interval on the
 * probes' own scheduler threads (never an ingest thread) and writes, as the blackbox
 * exporter does, {@code probe_success} (1 or 0) and {@code probe_duration_seconds},
 * labelled {@code probe} (its name), {@code instance} (its target), {@code job="probe"},
 * plus {@code service_name="peephole-collector"} and {@code host_name} (the collector's host).
 */
@Context
public class ProbeRunner {

    public static final String DATABASE_PROBE = "database";
    public static final String SERVICE_NAME = "peephole-collector";
    private static final Logger LOG = LoggerFactory.getLogger(ProbeRunner.class);

    /** The last outcome of a probe. */
    public record Result(ProbeDefinition probe, boolean success, double durationSeconds, String reason, Instant at) {
    }

    private record Running(ProbeDefinition definition, ScheduledFuture<?> future) {
    }

    private final Path rules;
    private final Duration reloadInterval;
    private final Duration databaseInterval;
    private final LocalSeriesWriter writer;
    private final DatabaseProbe databaseProbe;
    private final StorageReadiness readiness;
    private final String databaseInstance;
    private final String hostName;
    private final ScheduledExecutorService scheduler;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Map<String, Result> results = new ConcurrentHashMap<>();
    /** Per probe file, its probes as last read successfully (kept while the file is invalid). */
    private final Map<Path, List<ProbeDefinition>> lastGood = new HashMap<>();
    private volatile String fingerprint = "";
    private volatile List<String> loadErrors = List.of();

    public ProbeRunner(@Nullable @Value("${peephole.rules:}") String rules,
                       @Value("${peephole.probes.reload.interval:5s}") Duration reloadInterval,
                       @Value("${peephole.probes.database.interval:15s}") Duration databaseInterval,
                       @Value("${peephole.probes.threads:4}") int threads,
                       LocalSeriesWriter writer, DatabaseProbe databaseProbe, StorageReadiness readiness,
                       DatabaseLocation database) {
        this.rules = rules == null || rules.isBlank() ? null : Path.of(rules);
        this.reloadInterval = reloadInterval;
        this.databaseInterval = databaseInterval;
        this.writer = writer;
        this.databaseProbe = databaseProbe;
        this.readiness = readiness;
        this.databaseInstance = databaseInstance(database.jdbcUrl());
        this.hostName = localHostName();
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "peephole-probes-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @PostConstruct
    void start() {
        if (!databaseInterval.isZero()) {
            ProbeDefinition db = new ProbeDefinition(DATABASE_PROBE, "database", databaseInstance, List.of(),
                    Duration.ofSeconds(2), Map.of(), databaseInterval, true, "");
            running.put(DATABASE_PROBE, new Running(db, scheduler.scheduleAtFixedRate(() -> runQuietly(db), 0,
                    databaseInterval.toMillis(), TimeUnit.MILLISECONDS)));
        }
        if (rules != null) {
            scheduler.scheduleWithFixedDelay(this::reloadIfChanged, 0, reloadInterval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    /** The last result of every probe that has run, by name. */
    public List<Result> results() {
        List<Result> out = new ArrayList<>();
        for (Running r : running.values()) {
            Result res = results.get(r.definition().name());
            if (res != null && res.probe().equals(r.definition())) {
                out.add(res);
            }
        }
        out.sort(Comparator.comparing(r -> r.probe().name()));
        return out;
    }

    /** The probes configured now (the built-in database probe included). */
    public List<ProbeDefinition> probes() {
        return running.values().stream().map(Running::definition).sorted(Comparator.comparing(ProbeDefinition::name))
                .toList();
    }

    /** Problems of the last reload (invalid probe files, kept at their previous probes). */
    public List<String> loadErrors() {
        return loadErrors;
    }

    private synchronized void reloadIfChanged() {
        try {
            List<Path> files = ProbeFiles.candidates(rules);
            StringBuilder fp = new StringBuilder();
            for (Path f : files) {
                fp.append(f).append('@').append(Files.getLastModifiedTime(f).toMillis()).append('/')
                        .append(Files.size(f)).append(';');
            }
            if (fp.toString().equals(fingerprint)) {
                return;
            }
            fingerprint = fp.toString();
            reload(files);
        } catch (IOException | RuntimeException e) {
            LOG.warn("Probe files in {} not read: {}", rules, e.toString());
        }
    }

    private void reload(List<Path> files) {
        List<String> errors = new ArrayList<>();
        Map<Path, List<ProbeDefinition>> read = new HashMap<>();
        for (Path f : files) {
            try {
                read.put(f, ProbeFiles.read(f));
            } catch (ProbeFiles.InvalidProbeFile e) {
                errors.add(e.getMessage());
                read.put(f, lastGood.getOrDefault(f, List.of()));
            } catch (IOException e) {
                errors.add(f + ": " + e.getMessage());
                read.put(f, lastGood.getOrDefault(f, List.of()));
            }
        }
        lastGood.clear();
        lastGood.putAll(read);
        Map<String, ProbeDefinition> wanted = new LinkedHashMap<>();
        for (Path f : files) {
            for (ProbeDefinition p : read.get(f)) {
                if (wanted.containsKey(p.name())) {
                    errors.add(f + ": probe \"" + p.name() + "\" is already defined in " + wanted.get(p.name()).source()
                            + "; this one is skipped");
                } else {
                    wanted.put(p.name(), p);
                }
            }
        }
        for (String e : errors) {
            LOG.error("Probe file problem (previous probes of that file kept): {}", e);
        }
        loadErrors = List.copyOf(errors);
        for (Map.Entry<String, Running> e : new ArrayList<>(running.entrySet())) {
            if (e.getKey().equals(DATABASE_PROBE)) {
                continue;
            }
            ProbeDefinition now = wanted.get(e.getKey());
            if (!e.getValue().definition().equals(now)) {
                e.getValue().future().cancel(false);
                running.remove(e.getKey());
                results.remove(e.getKey());
            }
        }
        int started = 0;
        for (ProbeDefinition p : wanted.values()) {
            if (!running.containsKey(p.name())) {
                running.put(p.name(), new Running(p, scheduler.scheduleAtFixedRate(() -> runQuietly(p), 0,
                        p.interval().toMillis(), TimeUnit.MILLISECONDS)));
                started++;
            }
        }
        LOG.info("Probes loaded from {}: {} ({} new or changed)", rules, wanted.size(), started);
    }

    private void runQuietly(ProbeDefinition p) {
        try {
            Result r = run(p);
            Running current = running.get(p.name());
            if (current == null || !current.definition().equals(p)) {
                return; // removed or changed while it ran
            }
            results.put(p.name(), r);
            write(r);
        } catch (Throwable t) {
            // A scheduled task that throws is never run again: keep the probe alive.
            LOG.warn("Probe {} failed to run: {}", p.name(), t.toString());
        }
    }

    /** Runs one probe once (on the calling thread). */
    public Result run(ProbeDefinition p) {
        long started = System.nanoTime();
        String problem;
        try {
            problem = switch (p.type()) {
                case "http" -> http(p);
                case "tcp" -> tcp(p);
                case "database" -> databaseProbe.check().orElse(null);
                default -> "unknown probe type " + p.type();
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted";
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Result(p, problem == null, seconds, problem == null ? "ok" : problem, Instant.now());
    }

    private String http(ProbeDefinition p) throws InterruptedException {
        HttpRequest.Builder req = HttpRequest.newBuilder(p.uri()).GET().timeout(p.timeout());
        p.headers().forEach(req::header);
        try {
            HttpResponse<Void> resp = http.sendAsync(req.build(), HttpResponse.BodyHandlers.discarding())
                    .get(p.timeout().toMillis(), TimeUnit.MILLISECONDS);
            return p.statusOk(resp.statusCode()) ? null
                    : "HTTP status " + resp.statusCode() + (p.expectedStatus().isEmpty() ? ", expected 2xx"
                    : ", expected " + p.expectedStatus());
        } catch (TimeoutException e) {
            return "no answer within " + p.timeout().toMillis() + " ms";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof java.net.http.HttpTimeoutException) {
                return "no answer within " + p.timeout().toMillis() + " ms";
            }
            return describe(cause);
        } catch (IllegalArgumentException e) {
            return "bad request: " + e.getMessage();
        }
    }

    /** The exception's type and the first message along its causes (HttpClient's ConnectException has none). */
    private static String describe(Throwable t) {
        StringBuilder types = new StringBuilder(t.getClass().getSimpleName());
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                return t.getClass().getSimpleName() + ": " + c.getMessage();
            }
            if (c != t) {
                types.append(" (").append(c.getClass().getSimpleName()).append(')');
            }
        }
        return types.toString();
    }

    private static String tcp(ProbeDefinition p) {
        Map.Entry<String, Integer> hp;
        try {
            hp = ProbeFiles.hostPort(p.target(), p.name());
        } catch (ProbeFiles.InvalidProbeFile e) {
            return e.getMessage();
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hp.getKey(), hp.getValue()), (int) Math.max(1, p.timeout().toMillis()));
            return null;
        } catch (java.net.SocketTimeoutException e) {
            return "no connection within " + p.timeout().toMillis() + " ms";
        } catch (IOException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        }
    }

    private void write(Result r) {
        if (!readiness.isReady()) {
            return;
        }
        Map<String, String> labels = Map.of("probe", r.probe().name(), "instance", r.probe().target(), "job", "probe",
                "service_name", SERVICE_NAME, "host_name", hostName);
        long at = r.at().toEpochMilli();
        try {
            writer.write(List.of(new LocalSample("probe_success", labels, at, r.success() ? 1 : 0)), "gauge",
                    "whether the probe succeeded (1) or failed (0)");
            writer.write(List.of(new LocalSample("probe_duration_seconds", labels, at, r.durationSeconds())), "gauge",
                    "how long the probe took");
        } catch (SQLException e) {
            LOG.debug("Probe {} result not written: {}", r.probe().name(), e.getMessage());
        }
    }

    /** host:port/database of a JDBC URL, without user or password. */
    static String databaseInstance(String jdbcUrl) {
        try {
            URI u = URI.create(jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring(5) : jdbcUrl);
            String path = u.getPath() == null ? "" : u.getPath();
            return u.getHost() + (u.getPort() > 0 ? ":" + u.getPort() : "") + path;
        } catch (IllegalArgumentException e) {
            return "database";
        }
    }

    private static String localHostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
