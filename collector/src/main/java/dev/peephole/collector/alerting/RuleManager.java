package dev.peephole.collector.alerting;

import dev.peephole.collector.db.SchemaMigrator;
import dev.peephole.collector.notify.AlertNotice;
import dev.peephole.collector.notify.AlertSink;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.util.DaemonThreads;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads the rules (the shipped defaults, the files of {@code PEEPHOLE_RULES}, the rules saved
 * through the API), evaluates each group on its interval, stores every alert transition, and
 * hands alerts to notification routing. Files are re-read when they change (checked every 5 s)
 * or on SIGHUP; a file that no longer parses keeps its previous rules and reports the error.
 * Alert state carries over a reload (by group and rule name) and a restart (from the alert
 * store). Only the collector holding the alerting lock evaluates ({@link AlertingLeader}).
 */
@Context
public class RuleManager {
    private static final Logger LOG = LoggerFactory.getLogger(RuleManager.class);
    public static final String API_SOURCE = "api";

    private final Engine engine;
    private final AlertStore alerts;
    private final RuleStore ruleStore;
    private final RuleGroup.SampleOutput output;
    private final List<AlertSink> sinks;
    private final SchemaMigrator schema;
    private final AlertingLeader leader;
    private final boolean enabled;
    private final Optional<Path> rulesPath;
    private final boolean defaultRules;
    /** The backup rules, when scheduled backups are on (PEEPHOLE_BACKUP_SCHEDULE). */
    private final boolean backupRules;
    private final long defaultIntervalMs;
    private final AlertingRule.TemplateContext templateContext;
    private final String externalUrl;
    /** False in tests and benchmarks that drive {@link #evaluate} themselves. */
    private final boolean schedule;
    private final ScheduledExecutorService scheduler = DaemonThreads.scheduler("peephole-rules", 2);
    /** Logged at start-up when this process ignores SIGHUP. */
    public static final String SIGHUP_IGNORED = "SIGHUP is ignored by this process (started with nohup or with SIGHUP "
            + "ignored): a SIGHUP will not reload the rules; rule files are still reloaded within 5 s of a change";
    /** Runs a group's independent rules at the same time (each mostly waits on the database); null: in order. */
    private final java.util.concurrent.ExecutorService ruleWorkers;
    /** Whether a group evaluation reads its rules' samples in one go ({@link EngineRuleQuery#prepare}). */
    private final boolean batchReads;

    /** Per source (file path, the defaults, "api"): its last good groups and its current load error. */
    private final Map<String, List<RuleGroupSpec>> specsBySource = new LinkedHashMap<>();
    private final Map<String, String> loadErrors = new LinkedHashMap<>();
    private final Map<String, Long> fileStamps = new HashMap<>();
    private String apiVersion = "";
    /** The stored ids of each API group's rules, in the group's order. */
    private volatile Map<String, List<Long>> apiIds = Map.of();
    private volatile List<RuleGroup> groups = List.of();
    private final Map<RuleGroup, ScheduledFuture<?>> schedules = new HashMap<>();
    private boolean restored;
    /** Whether this collector evaluated last time it tried (false: state must be re-read on taking over). */
    private volatile boolean leading;
    /** Another collector held the alerting lock when this one last asked. */
    private volatile boolean anotherLeads;

    public RuleManager(Engine engine, AlertStore alerts, RuleStore ruleStore, StoredRuleOutput output,
                       List<AlertSink> sinks, SchemaMigrator schema, AlertingLeader leader,
                       @Value("${peephole.alerting.enabled:true}") boolean enabled,
                       @Value("${peephole.rules:}") String rulesPath,
                       @Value("${peephole.default.rules:true}") boolean defaultRules,
                       @Value("${peephole.evaluation.interval:1m}") Duration defaultInterval,
                       @Value("${peephole.external.url:}") String externalUrl,
                       @Value("${peephole.alerting.schedule:true}") boolean schedule,
                       @Value("${peephole.rule.concurrency:4}") int ruleConcurrency,
                       @Value("${peephole.backup.schedule:}") String backupSchedule,
                       @Value("${peephole.rule.batch.reads:true}") boolean batchReads) {
        this.engine = engine;
        this.alerts = alerts;
        this.ruleStore = ruleStore;
        this.output = output;
        this.sinks = sinks;
        this.schema = schema;
        this.leader = leader;
        this.enabled = enabled;
        this.rulesPath = rulesPath.isBlank() ? Optional.empty() : Optional.of(Path.of(rulesPath));
        this.defaultRules = defaultRules;
        this.backupRules = !backupSchedule.isBlank();
        this.defaultIntervalMs = defaultInterval.toMillis();
        this.externalUrl = externalUrl;
        this.templateContext = new AlertingRule.TemplateContext(Map.of(), externalUrl);
        this.schedule = schedule;
        this.batchReads = batchReads;
        this.ruleWorkers = ruleConcurrency > 1 ? DaemonThreads.scheduler("peephole-rule-eval", ruleConcurrency) : null;
    }

    @PostConstruct
    void start() {
        if (!enabled) {
            LOG.info("Alert rule evaluation is off (PEEPHOLE_ALERTING_ENABLED=false)");
            return;
        }
        schema.whenMigrated(() -> {
            reload();
            scheduler.scheduleWithFixedDelay(this::reloadIfChanged, 5, 5, TimeUnit.SECONDS);
            if (schedule) {
                scheduler.scheduleWithFixedDelay(this::syncAcknowledgements, 2, 2, TimeUnit.SECONDS);
                scheduler.scheduleWithFixedDelay(this::watchLeadership, 500, 500, TimeUnit.MILLISECONDS);
            }
        });
        try {
            sun.misc.SignalHandler before = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> scheduler.execute(this::reload));
            if (before == sun.misc.SignalHandler.SIG_IGN) {
                // A process started with SIGHUP ignored (nohup, some service managers) keeps it
                // ignored: the JVM installs no handler and the signal never arrives.
                LOG.warn(SIGHUP_IGNORED);
            }
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.debug("No SIGHUP handler: {}", e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
        if (ruleWorkers != null) {
            ruleWorkers.shutdownNow();
        }
    }

    /** The groups now loaded, in order: defaults, files, API. */
    public List<RuleGroup> groups() {
        return groups;
    }

    /** Files (or the defaults) that failed to load, with the reason; their previous rules stay. */
    public synchronized Map<String, String> loadErrors() {
        return Map.copyOf(loadErrors);
    }

    /** The stored ids of an API group's rules in the group's order; empty for other sources. */
    public List<Long> apiRuleIds(RuleGroup g) {
        return g.spec().source().equals(API_SOURCE) ? apiIds.getOrDefault(g.spec().name(), List.of()) : List.of();
    }

    public String externalUrl() {
        return externalUrl;
    }

    /** Re-reads every source now and replaces the groups, keeping alert state. */
    public synchronized void reload() {
        try {
            if (defaultRules && !specsBySource.containsKey(DefaultRules.SOURCE)) {
                load(DefaultRules.SOURCE, DefaultRules::text);
            }
            if (backupRules && !specsBySource.containsKey(DefaultRules.BACKUP_SOURCE)) {
                load(DefaultRules.BACKUP_SOURCE, DefaultRules::backupText);
            }
            List<Path> files = ruleFiles();
            java.util.Set<String> live = new java.util.HashSet<>();
            files.forEach(f -> live.add(f.toString()));
            live.add(DefaultRules.SOURCE);
            live.add(DefaultRules.BACKUP_SOURCE);
            live.add(API_SOURCE);
            fileStamps.keySet().retainAll(live);
            for (Path f : files) {
                load(f.toString(), () -> Files.readString(f));
                fileStamps.put(f.toString(), stamp(f));
            }
            // Rules and errors of files that are gone go with them; a missing PEEPHOLE_RULES stays reported.
            specsBySource.keySet().retainAll(live);
            rulesPath.ifPresent(p -> live.add(p.toString()));
            loadErrors.keySet().retainAll(live);
            specsBySource.put(API_SOURCE, apiGroups());
            apiVersion = ruleStore.version();
            install();
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.warn("Reloading alert rules failed: {}", e.toString());
        }
    }

    private interface Text {
        String read() throws IOException;
    }

    private void load(String source, Text text) {
        try {
            specsBySource.put(source, RuleFileParser.parse(source, text.read(), defaultIntervalMs));
            if (loadErrors.remove(source) != null) {
                LOG.info("Rule file {} loads again", source);
            }
        } catch (RuleFileParser.InvalidRulesException e) {
            loadErrors.put(source, e.getMessage());
            LOG.warn("Rule file not loaded, its previous rules stay: {}", e.getMessage());
        } catch (IOException e) {
            loadErrors.put(source, source + ": " + e);
            LOG.warn("Rule file {} cannot be read: {}", source, e.toString());
        }
    }

    /** Rule files: the file named, or the .yml/.yaml files of the folder named that hold `groups` (others may hold probes). */
    private List<Path> ruleFiles() throws IOException {
        if (rulesPath.isEmpty() || !Files.exists(rulesPath.get())) {
            if (rulesPath.isPresent()) {
                loadErrors.put(rulesPath.get().toString(), rulesPath.get() + ": no such file or folder");
            }
            return List.of();
        }
        loadErrors.remove(rulesPath.get().toString());
        Path p = rulesPath.get();
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        try (Stream<Path> files = Files.list(p)) {
            List<Path> out = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (Files.isRegularFile(f) && (n.endsWith(".yml") || n.endsWith(".yaml")) && holdsGroups(f)) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    private static boolean holdsGroups(Path f) throws IOException {
        for (String line : Files.readAllLines(f)) {
            if (line.startsWith("groups:")) {
                return true;
            }
        }
        return false;
    }

    private static long stamp(Path f) {
        try {
            return Files.getLastModifiedTime(f).toMillis() ^ Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    private void reloadIfChanged() {
        try {
            boolean changed;
            synchronized (this) {
                List<Path> files = ruleFiles();
                changed = files.size() != fileStamps.size();
                for (Path f : files) {
                    Long known = fileStamps.get(f.toString());
                    changed |= known == null || known != stamp(f);
                }
                if (changed) {
                    fileStamps.keySet().retainAll(files.stream().map(Path::toString).toList());
                }
                changed |= !ruleStore.version().equals(apiVersion);
            }
            if (changed) {
                reload();
            }
        } catch (IOException | SQLException | RuntimeException e) {
            LOG.debug("Checking rule files failed: {}", e.toString());
        }
    }

    private List<RuleGroupSpec> apiGroups() throws SQLException {
        Map<String, List<RuleSpec>> byGroup = new LinkedHashMap<>();
        Map<String, List<Long>> ids = new HashMap<>();
        for (RuleStore.ApiRule r : ruleStore.list()) {
            if (r.enabled()) {
                byGroup.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r.spec());
                ids.computeIfAbsent(r.group(), g -> new ArrayList<>()).add(r.id());
            }
        }
        apiIds = ids;
        List<RuleGroupSpec> out = new ArrayList<>();
        byGroup.forEach((g, rules) -> out.add(new RuleGroupSpec(g, API_SOURCE, defaultIntervalMs, 0, rules)));
        return out;
    }

    /** Replaces the running groups by the loaded specs; alerts move to the rule of the same key. */
    private void install() throws SQLException {
        Map<String, List<Alert>> carried = new HashMap<>();
        Map<String, RuleGroup.Rule> previous = new HashMap<>();
        for (RuleGroup g : groups) {
            for (RuleGroup.Rule r : g.rules()) {
                previous.putIfAbsent(RuleGroup.key(g.spec(), r.spec()) + "\u001f" + r.spec().kind(), r);
                if (r.alerting() != null) {
                    carried.computeIfAbsent(r.alerting().key(), k -> new ArrayList<>()).addAll(r.alerting().alerts());
                }
            }
        }
        if (!restored) {
            for (AlertStore.Stored s : alerts.open()) {
                carried.computeIfAbsent(s.ruleKey(), k -> new ArrayList<>()).add(s.alert());
            }
            restored = true;
        }
        List<RuleGroup> fresh = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (List<RuleGroupSpec> specs : specsBySource.values()) {
            for (RuleGroupSpec spec : specs) {
                RuleGroup g = new RuleGroup(spec);
                for (RuleGroup.Rule r : g.rules()) {
                    // Health and last evaluation carry over a reload too, not only the alerts.
                    RuleGroup.Rule before = previous.get(RuleGroup.key(spec, r.spec()) + "\u001f" + r.spec().kind());
                    if (before != null) {
                        r.health = before.health;
                        r.lastError = before.lastError;
                        r.lastEvaluationMs = before.lastEvaluationMs;
                        r.evaluationNanos = before.evaluationNanos;
                    }
                    if (r.alerting() != null) {
                        r.alerting().restore(carried.getOrDefault(r.alerting().key(), List.of()));
                        keys.add(r.alerting().key());
                    }
                }
                fresh.add(g);
            }
        }
        if (leader.isLeader()) {
            // Only the evaluating collector decides that a rule is gone (another may be mid-deploy).
            alerts.closeOrphans(keys, Instant.now());
        }
        for (int i = 0; i < fresh.size(); i++) {
            // the groups' periodic full reads of their carried samples spread over the period
            fresh.get(i).readCarry().phase((double) i / fresh.size());
        }
        schedules.values().forEach(f -> f.cancel(false));
        schedules.clear();
        groups = List.copyOf(fresh);
        long now = System.currentTimeMillis();
        for (RuleGroup g : schedule ? groups : List.<RuleGroup>of()) {
            long interval = g.spec().intervalMs();
            long delay = Math.floorMod(offsetMs(g.spec().source(), g.spec().name(), interval) - now, interval);
            schedules.put(g, scheduler.scheduleAtFixedRate(() -> evaluate(g), delay, interval, TimeUnit.MILLISECONDS));
        }
        LOG.info("Alert rules loaded: {} groups, {} rules{}", groups.size(),
                groups.stream().mapToInt(x -> x.rules().size()).sum(),
                loadErrors.isEmpty() ? "" : " (" + loadErrors.size() + " sources with errors)");
    }

    /**
     * Where in its interval a group is evaluated: a fixed offset from a hash of its source and
     * name, as Prometheus spreads groups, so groups of one interval do not all start at once
     * (they share the scheduler's two threads and the database). The hash is FNV-1a over the
     * UTF-8 bytes: {@code String.hashCode} of names that differ in their last character (such as
     * {@code bench-0} ... {@code bench-9}) differs by a few units, which put ten groups within
     * 10 ms of each other, evaluated two at a time, each slowed by the other.
     */
    static long offsetMs(String source, String name, long intervalMs) {
        long h = 0xcbf29ce484222325L;
        for (byte b : (source + "\u0000" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return Math.floorMod(h, intervalMs);
    }

    /** One evaluation of a group at now; public so tests and benchmarks can drive it. */
    public RuleGroup.Outcome evaluate(RuleGroup g) {
        return evaluate(g, System.currentTimeMillis());
    }

    public RuleGroup.Outcome evaluate(RuleGroup g, long ts) {
        if (!leader.isLeader()) {
            leading = false;
            return new RuleGroup.Outcome(List.of(), List.of(), 0);
        }
        if (!leading) {
            takeOver();
            // The groups were rebuilt with the stored state: evaluate the new one of this name.
            RuleGroup current = g;
            g = groups.stream().filter(x -> x.spec().source().equals(current.spec().source())
                    && x.spec().name().equals(current.spec().name())).findFirst().orElse(g);
        }
        synchronized (g) { // a takeover's immediate evaluation may meet the group's scheduled one
            return evaluateGroup(g, ts);
        }
    }

    private RuleGroup.Outcome evaluateGroup(RuleGroup g, long ts) {
        try {
            RuleGroup.Outcome o = g.evaluate(ts, new EngineRuleQuery(engine, batchReads, g.readCarry()), output, templateContext, ruleWorkers);
            Map<String, List<AlertingRule.Transition>> byKey = new LinkedHashMap<>();
            for (AlertingRule.Transition t : o.transitions()) {
                byKey.computeIfAbsent(RuleGroup.key(g.spec(), t.alert().labels().get("alertname")), k -> new ArrayList<>())
                        .add(t);
            }
            for (Map.Entry<String, List<AlertingRule.Transition>> e : byKey.entrySet()) {
                alerts.record(e.getKey(), e.getValue());
            }
            if (!o.toSend().isEmpty()) {
                send(o.toSend());
            }
            return o;
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Evaluating rule group {} failed: {}", g.spec().name(), e.toString());
            return new RuleGroup.Outcome(List.of(), List.of(), 1);
        }
    }

    /**
     * This collector has just become the evaluating one: the alert state it holds may be older
     * than what the previous leader stored, so it is read again from the store.
     */
    private synchronized void takeOver() {
        if (leading) {
            return;
        }
        try {
            restored = false;
            install();
            leading = true;
        } catch (SQLException | RuntimeException e) {
            LOG.warn("Taking over alert evaluation failed, will retry: {}", e.toString());
        }
    }

    private void send(List<Alert> list) {
        List<AlertNotice> notices = new ArrayList<>(list.size());
        for (Alert a : list) {
            notices.add(notice(a));
        }
        for (AlertSink sink : sinks) {
            try {
                sink.send(notices);
            } catch (RuntimeException e) {
                LOG.warn("Alert routing failed: {}", e.toString());
            }
        }
    }

    private AlertNotice notice(Alert a) {
        return new AlertNotice(a.id(), a.labels().asMap(), a.annotations(), Instant.ofEpochMilli(a.activeAtMs()),
                a.state() == AlertState.INACTIVE ? Instant.ofEpochMilli(a.resolvedAtMs()) : null,
                externalUrl.isEmpty() ? "" : externalUrl + "/#/alerts",
                a.acknowledgedAtMs() == 0 ? null : Instant.ofEpochMilli(a.acknowledgedAtMs()), a.acknowledgedBy());
    }

    /**
     * On a collector that does not evaluate: asks for the alerting lock twice a second and, on
     * getting it (the leader died or stopped), evaluates every group at once instead of at the
     * group's next slot, so failover takes well under one evaluation interval.
     */
    void watchLeadership() {
        if (leading) {
            return;
        }
        try {
            if (!leader.isLeader()) {
                anotherLeads = true;
            } else if (anotherLeads) {
                anotherLeads = false;
                for (RuleGroup g : groups) {
                    scheduler.execute(() -> evaluate(g));
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("Leadership check failed: {}", e.toString());
        }
    }

    /**
     * On the evaluating collector: applies acknowledgements that reached the database through
     * another collector's API, and sends the acknowledged alerts so their escalation stops.
     */
    void syncAcknowledgements() {
        if (!leading) {
            return;
        }
        try {
            List<AlertStore.Ack> acks = alerts.openAcknowledgements();
            if (acks.isEmpty()) {
                return;
            }
            List<Alert> changed = new ArrayList<>();
            for (RuleGroup g : groups) {
                for (RuleGroup.Rule r : g.rules()) {
                    if (r.alerting() == null) {
                        continue;
                    }
                    for (AlertStore.Ack ack : acks) {
                        Alert a = r.alerting().applyStoredAcknowledgement(ack.id(), ack.by(), ack.atMs());
                        if (a != null && a.state() != AlertState.INACTIVE) {
                            changed.add(a);
                        }
                    }
                }
            }
            if (!changed.isEmpty()) {
                send(changed);
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Acknowledgements not synchronised this round: {}", e.toString());
        }
    }

    /** The result of an acknowledgement. */
    public enum AckResult { ACKNOWLEDGED, ALREADY, NOT_FOUND }

    /** Acknowledges an alert: stored with who and when, and sent at once so escalation stops. */
    public AckResult acknowledge(long id, String actor) throws SQLException {
        Instant now = Instant.now();
        if (!alerts.acknowledge(id, actor, now)) {
            return alerts.exists(id) ? AckResult.ALREADY : AckResult.NOT_FOUND;
        }
        for (RuleGroup g : groups) {
            for (RuleGroup.Rule r : g.rules()) {
                if (r.alerting() != null) {
                    Alert a = r.alerting().acknowledge(id, actor, now.toEpochMilli());
                    if (a != null && a.state() != AlertState.INACTIVE) {
                        send(List.of(a));
                    }
                }
            }
        }
        return AckResult.ACKNOWLEDGED;
    }
}
