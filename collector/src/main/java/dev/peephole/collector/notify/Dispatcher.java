package dev.peephole.collector.notify;

import dev.peephole.collector.notify.config.EscalationPolicy;
import dev.peephole.collector.notify.config.InhibitRule;
import dev.peephole.collector.notify.config.NotifyRouting;
import dev.peephole.collector.notify.config.Route;
import dev.peephole.collector.util.DaemonThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Alertmanager's dispatcher with Peephole's escalations: routes alerts into aggregation
 * groups, waits {@code group_wait} before a new group's first notification, then looks at
 * each group every {@code group_interval} and notifies when its firing alerts changed (or
 * resolved ones, with {@code send_resolved}), or when {@code repeat_interval} has passed;
 * silenced and inhibited alerts are left out. Time comes from the {@link Clock}, so tests
 * drive it with {@link #tick()}; in the collector a daemon thread ticks when anything is due.
 */
public final class Dispatcher {

    /** Whether an active silence matches the labels. */
    public interface Silencer {
        boolean silenced(Map<String, String> labels, Instant now);
    }

    /** Where notifications go (the per-receiver delivery workers). */
    public interface Sender {
        void deliver(Notification notification);

        /** Alerts for the configured real Alertmanagers, as received. */
        void forward(List<NotifyAlert> alerts);
    }

    private static final class Tracked {
        final String fp;
        AlertNotice notice;
        Instant updatedAt;

        Tracked(String fp) {
            this.fp = fp;
        }
    }

    private static final class Group {
        final Route route;
        final String key;
        final Map<String, String> labels;
        final Set<String> fps = new TreeSet<>();
        Instant next;

        Group(Route route, String key, Map<String, String> labels, Instant next) {
            this.route = route;
            this.key = key;
            this.labels = labels;
            this.next = next;
        }
    }

    /** What a group's receiver was last told (Alertmanager's notification log entry). */
    public record Sent(Set<String> firing, Set<String> resolved, Instant at) {
    }

    /**
     * Where the notification log lives beyond this process (the database, shared by several
     * collectors), so a collector taking over alerting does not repeat what was sent.
     */
    public interface SentLog {
        /** The entry of a group (or escalation level) key; null when there is none. */
        Sent load(String key);

        void save(String key, Sent sent);

        void delete(String key);

        /** Keeps nothing beyond the process. */
        SentLog NONE = new SentLog() {
            @Override
            public Sent load(String key) {
                return null;
            }

            @Override
            public void save(String key, Sent sent) {
            }

            @Override
            public void delete(String key) {
            }
        };
    }

    private static final class Escalation {
        final String policy;
        final Set<Integer> sent = new HashSet<>();

        Escalation(String policy) {
            this.policy = policy;
        }
    }

    private final Clock clock;
    private final Supplier<NotifyRouting> routing;
    private final Silencer silencer;
    private final Sender sender;
    private final String externalUrl;
    private final SentLog sentStore;
    private final Map<String, Tracked> alerts = new HashMap<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Sent> sentLog = new HashMap<>();
    private final Map<String, Escalation> escalations = new HashMap<>();
    private List<List<Map<String, String>>> inhibitSources = List.of();
    private final Object wake = new Object();
    private boolean woken;
    private volatile boolean running;
    private Thread thread;

    public Dispatcher(Clock clock, Supplier<NotifyRouting> routing, Silencer silencer, Sender sender, String externalUrl) {
        this(clock, routing, silencer, sender, externalUrl, SentLog.NONE);
    }

    public Dispatcher(Clock clock, Supplier<NotifyRouting> routing, Silencer silencer, Sender sender, String externalUrl,
                      SentLog sentStore) {
        this.sentStore = sentStore;
        this.clock = clock;
        this.routing = routing;
        this.silencer = silencer;
        this.sender = sender;
        this.externalUrl = externalUrl == null ? "" : externalUrl;
    }

    /** Takes alerts as the rule evaluator sends them (every firing alert each round, resolved ones once). */
    public void receive(List<AlertNotice> notices) {
        NotifyRouting r = routing.get();
        List<NotifyAlert> forward = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            for (AlertNotice n : notices) {
                String fp = Fingerprints.of(n.labels());
                Tracked t = alerts.computeIfAbsent(fp, Tracked::new);
                t.notice = n;
                t.updatedAt = now;
                forward.add(toAlert(t, now, r));
                if (r.route() == null) {
                    continue;
                }
                String policy = null;
                for (Route route : r.route().match(n.labels())) {
                    Map<String, String> groupLabels = route.groupLabels(n.labels());
                    String key = route.key() + ":" + Fingerprints.format(groupLabels);
                    Group g = groups.get(key);
                    if (g == null) {
                        if (n.resolved()) {
                            continue;
                        }
                        g = new Group(route, key, groupLabels, now.plus(route.groupWait()));
                        groups.put(key, g);
                    }
                    g.fps.add(fp);
                    if (policy == null) {
                        policy = route.escalation();
                    }
                }
                if (policy != null && !n.resolved() && !n.acknowledged()) {
                    escalations.putIfAbsent(fp, new Escalation(policy));
                }
            }
        }
        if (!r.alertmanagers().isEmpty() && !forward.isEmpty()) {
            sender.forward(forward);
        }
        synchronized (wake) {
            woken = true;
            wake.notifyAll();
        }
    }

    /** Sends whatever is due now; returns when the next thing falls due. */
    public synchronized Instant tick() {
        Instant now = clock.instant();
        NotifyRouting r = routing.get();
        inhibitSources = inhibitSources(now, r);
        Instant next = now.plus(Duration.ofSeconds(1));
        for (Iterator<Group> it = groups.values().iterator(); it.hasNext(); ) {
            Group g = it.next();
            if (!g.next.isAfter(now)) {
                flush(g, now, r);
                if (g.fps.isEmpty()) {
                    it.remove();
                    continue;
                }
                g.next = now.plus(g.route.groupInterval());
            }
            if (g.next.isBefore(next)) {
                next = g.next;
            }
        }
        Instant escalationDue = escalate(now, r);
        if (escalationDue != null && escalationDue.isBefore(next)) {
            next = escalationDue;
        }
        forgetFinished(now, r);
        return next;
    }

    private void flush(Group g, Instant now, NotifyRouting r) {
        List<NotifyAlert> out = new ArrayList<>();
        Set<String> firing = new TreeSet<>();
        Set<String> resolved = new TreeSet<>();
        for (Iterator<String> it = g.fps.iterator(); it.hasNext(); ) {
            Tracked t = alerts.get(it.next());
            if (t == null) {
                it.remove();
                continue;
            }
            NotifyAlert a = toAlert(t, now, r);
            if (a.resolved()) {
                // told (or not) once now, a resolved alert leaves its group
                it.remove();
            }
            if (muted(a.labels(), now, r)) {
                continue;
            }
            out.add(a);
            (a.resolved() ? resolved : firing).add(a.fingerprint());
        }
        Sent last = sentLog.get(g.key);
        if (last == null) {
            // Another collector (the previous leader) or this one before a restart may have told it.
            last = sentStore.load(g.key);
            if (last != null) {
                // An alert that started after that entry is a new firing of the same labels, not the one told.
                Set<String> told = new TreeSet<>(last.firing());
                for (NotifyAlert a : out) {
                    if (a.startsAt().isAfter(last.at())) {
                        told.remove(a.fingerprint());
                    }
                }
                last = new Sent(told, last.resolved(), last.at());
                sentLog.put(g.key, last);
            }
        }
        if (!needsUpdate(last, firing, resolved, g.route.repeatInterval(), now, r, g.route.receiver())) {
            return;
        }
        Sent entry = new Sent(firing, resolved, now);
        sentLog.put(g.key, entry);
        sentStore.save(g.key, entry);
        Map<NotifyAlert, String> sortKey = new HashMap<>();
        for (NotifyAlert a : out) {
            sortKey.put(a, Fingerprints.format(a.labels()));
        }
        out.sort(Comparator.comparing((NotifyAlert a) -> a.startsAt()).thenComparing(sortKey::get));
        sender.deliver(new Notification(g.route.receiver(), g.key, g.labels, List.copyOf(out), externalUrl));
    }

    /** Alertmanager's DedupStage.needsUpdate. */
    private static boolean needsUpdate(Sent last, Set<String> firing, Set<String> resolved, Duration repeat, Instant now,
                                       NotifyRouting r, String receiver) {
        if (last == null) {
            return !firing.isEmpty();
        }
        if (!last.firing().containsAll(firing)) {
            return true;
        }
        if (firing.isEmpty()) {
            // all resolved: tell the receiver (integrations without send_resolved drop the resolved alerts)
            return !last.firing().isEmpty();
        }
        boolean sendResolved = r.receivers().getOrDefault(receiver, List.of()).stream().anyMatch(Integration::sendResolved);
        if (sendResolved && !last.resolved().containsAll(resolved)) {
            return true;
        }
        return !last.at().isAfter(now.minus(repeat));
    }

    private Instant escalate(Instant now, NotifyRouting r) {
        Instant due = null;
        for (Iterator<Map.Entry<String, Escalation>> it = escalations.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Escalation> e = it.next();
            Escalation esc = e.getValue();
            Tracked t = alerts.get(e.getKey());
            EscalationPolicy policy = r.escalations().get(esc.policy);
            if (t == null || policy == null) {
                it.remove();
                continue;
            }
            NotifyAlert a = toAlert(t, now, r);
            if (a.resolved()) {
                for (int level : esc.sent) {
                    EscalationPolicy.Level l = policy.levels().get(level);
                    Notification n = escalationNotice(policy, level, l, a);
                    sender.deliver(n);
                    sentStore.delete(n.groupKey());
                }
                it.remove();
                continue;
            }
            if (t.notice.acknowledged()) {
                it.remove();
                continue;
            }
            if (muted(a.labels(), now, r)) {
                continue;
            }
            for (int i = 0; i < policy.levels().size(); i++) {
                if (esc.sent.contains(i)) {
                    continue;
                }
                EscalationPolicy.Level l = policy.levels().get(i);
                Instant at = a.startsAt().plus(l.after());
                if (!at.isAfter(now)) {
                    esc.sent.add(i);
                    Notification n = escalationNotice(policy, i, l, a);
                    Sent before = sentStore.load(n.groupKey());
                    if (before != null && !before.at().isBefore(a.startsAt())) {
                        continue; // sent for this firing already (by the previous leader)
                    }
                    sender.deliver(n);
                    sentStore.save(n.groupKey(), new Sent(Set.of(a.fingerprint()), Set.of(), now));
                } else if (due == null || at.isBefore(due)) {
                    due = at;
                }
            }
        }
        return due;
    }

    private Notification escalationNotice(EscalationPolicy policy, int level, EscalationPolicy.Level l, NotifyAlert a) {
        Map<String, String> groupLabels = new LinkedHashMap<>();
        String name = a.labels().get("alertname");
        if (name != null) {
            groupLabels.put("alertname", name);
        }
        String key = "escalation/" + policy.name() + "/" + (level + 1) + ":" + Fingerprints.format(a.labels());
        return new Notification(l.receiver(), key, groupLabels, List.of(a), externalUrl);
    }

    private boolean muted(Map<String, String> labels, Instant now, NotifyRouting r) {
        return silencer.silenced(labels, now) || inhibited(labels, now, r);
    }

    /** For each inhibition rule, the labels of the firing alerts its source matchers take (computed once a tick). */
    private List<List<Map<String, String>>> inhibitSources(Instant now, NotifyRouting r) {
        List<List<Map<String, String>>> out = new ArrayList<>();
        for (InhibitRule rule : r.inhibitRules()) {
            List<Map<String, String>> sources = new ArrayList<>();
            for (Tracked t : alerts.values()) {
                if (!isResolved(t, now, r)
                        && dev.peephole.collector.notify.config.Matchers.matchAll(rule.source(), t.notice.labels())) {
                    sources.add(t.notice.labels());
                }
            }
            out.add(sources);
        }
        return out;
    }

    private boolean inhibited(Map<String, String> target, Instant now, NotifyRouting r) {
        List<InhibitRule> rules = r.inhibitRules();
        for (int i = 0; i < rules.size() && i < inhibitSources.size(); i++) {
            InhibitRule rule = rules.get(i);
            if (!dev.peephole.collector.notify.config.Matchers.matchAll(rule.target(), target)) {
                continue;
            }
            for (Map<String, String> source : inhibitSources.get(i)) {
                // an alert does not inhibit itself
                if (!source.equals(target) && rule.inhibits(source, target)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean isResolved(Tracked t, Instant now, NotifyRouting r) {
        return t.notice.resolved() || t.updatedAt.plus(r.resolveTimeout()).isBefore(now);
    }

    /** The alert as notifications carry it; one not heard of for resolve_timeout counts as resolved then. */
    private static NotifyAlert toAlert(Tracked t, Instant now, NotifyRouting r) {
        AlertNotice n = t.notice;
        Instant endsAt = n.endsAt();
        if (endsAt == null && t.updatedAt.plus(r.resolveTimeout()).isBefore(now)) {
            endsAt = t.updatedAt.plus(r.resolveTimeout());
        }
        return new NotifyAlert(t.fp, n.id(), n.labels(), n.annotations() == null ? Map.of() : n.annotations(),
                n.startsAt(), endsAt, n.generatorUrl());
    }

    private void forgetFinished(Instant now, NotifyRouting r) {
        Set<String> inUse = new HashSet<>(escalations.keySet());
        for (Group g : groups.values()) {
            inUse.addAll(g.fps);
        }
        alerts.values().removeIf(t -> isResolved(t, now, r) && !inUse.contains(t.fp));
        for (Iterator<Map.Entry<String, Sent>> it = sentLog.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Sent> e = it.next();
            if (!groups.containsKey(e.getKey()) && e.getValue().firing().isEmpty()) {
                it.remove();
                sentStore.delete(e.getKey());
            }
        }
    }

    /** Alerts currently held (firing or waiting to be told resolved). */
    public synchronized int alertCount() {
        return alerts.size();
    }

    public synchronized int groupCount() {
        return groups.size();
    }

    /** Starts the thread that ticks whenever something is due or alerts arrive. */
    public void start() {
        running = true;
        thread = DaemonThreads.named("peephole-notify-dispatch", this::loop);
        thread.start();
    }

    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void loop() {
        while (running) {
            Instant next;
            try {
                next = tick();
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Dispatcher.class).error("notification dispatch failed", e);
                next = clock.instant().plusSeconds(1);
            }
            long waitMs = Math.max(0, Math.min(1000, Duration.between(clock.instant(), next).toMillis()));
            synchronized (wake) {
                try {
                    if (!woken && waitMs > 0) {
                        wake.wait(waitMs);
                    }
                } catch (InterruptedException e) {
                    return;
                }
                woken = false;
            }
        }
    }
}
