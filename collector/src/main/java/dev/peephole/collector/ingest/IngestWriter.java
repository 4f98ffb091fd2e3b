package dev.peephole.collector.ingest;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.export.SpanForwarder;
import dev.peephole.collector.storage.PgBinaryCopy;
import dev.peephole.collector.storage.StorageReadiness;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits prepared batches to the database and only then reports them committed, so an
 * agent's acknowledgement means "stored". Writer threads take several queued batches at
 * once and commit them in one transaction with one COPY per table. Each batch's
 * (session, sequence) is recorded in the same transaction, so a batch sent twice is
 * stored once. While the database is away, batches wait and are retried; nothing is
 * acknowledged, and the bounded queue pushes back on the agents.
 */
@Singleton
public class IngestWriter {

    private static final Logger LOG = LoggerFactory.getLogger(IngestWriter.class);
    private static final int MAX_ROWS_PER_COMMIT = 50_000;
    private static final int MAX_BATCHES_PER_COMMIT = 128;
    private static final long MAX_BACKOFF_MS = 5_000;

    /** What happened to a batch. */
    public record Outcome(long sequence, int acceptedSpans, int acceptedPoints, int rejectedSpans,
                          int rejectedPoints, List<String> reasons, boolean duplicate) {
    }

    /** Told once per batch, from a writer thread. */
    public interface Callback {
        void committed(Outcome outcome);

        void failed(Exception cause);
    }

    private record Job(PreparedBatch batch, Callback callback) {
        int rows() {
            return batch.pointCount() + batch.spanCount();
        }
    }

    private final DataSource dataSource;
    private final SeriesRegistry series;
    private final OperationRegistry operations;
    private final StorageReadiness readiness;
    private final IngestStats stats;
    private final SpanForwarder forwarder;
    private final BlockingQueue<Job> queue;
    private final List<Thread> writers = new ArrayList<>();
    private volatile boolean accepting = true;
    private volatile boolean running = true;
    /** After this (System.nanoTime) a stopping writer gives up on the database. */
    private volatile long giveUpAtNanos = Long.MAX_VALUE;

    public IngestWriter(ConnectionPool pool, SeriesRegistry series, OperationRegistry operations,
                        StorageReadiness readiness, IngestStats stats,
                        @Value("${peephole.ingest.writers:2}") int writerCount,
                        @Value("${peephole.ingest.queue.batches:256}") int queueCapacity,
                        io.micrometer.core.instrument.MeterRegistry meters, SpanForwarder forwarder) {
        this.dataSource = pool.dataSource();
        this.forwarder = forwarder;
        this.series = series;
        this.operations = operations;
        this.readiness = readiness;
        this.stats = stats;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        io.micrometer.core.instrument.Gauge.builder("peephole.ingest.queue.depth", queue, BlockingQueue::size)
                .description("batches waiting for commit").register(meters);
        for (int i = 0; i < writerCount; i++) {
            Thread t = new Thread(this::run, "peephole-ingest-writer-" + i);
            t.setDaemon(true);
            t.start();
            writers.add(t);
        }
    }

    /**
     * Queues a batch. Blocks while the queue is full, which holds back the agent's stream
     * (and, through HTTP/2 flow control, the agent). Returns false once shutting down.
     */
    public boolean submit(PreparedBatch batch, Callback callback) throws InterruptedException {
        Job job = new Job(batch, callback);
        while (accepting) {
            if (queue.offer(job, 100, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    public int queueDepth() {
        return queue.size();
    }

    public boolean isAccepting() {
        return accepting;
    }

    private void run() {
        while (running || !queue.isEmpty()) {
            Job first;
            try {
                first = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (first == null) {
                continue;
            }
            List<Job> group = new ArrayList<>();
            group.add(first);
            int rows = first.rows();
            while (rows < MAX_ROWS_PER_COMMIT && group.size() < MAX_BATCHES_PER_COMMIT) {
                Job next = queue.poll();
                if (next == null) {
                    break;
                }
                group.add(next);
                rows += next.rows();
            }
            try {
                writeWithRetry(group);
            } catch (Throwable t) {
                // A writer thread must outlive anything one group does to it; its batches are
                // not acknowledged, so their agents send them again.
                LOG.error("Ingest writer failed on a group of {} batches", group.size(), t);
                failAll(group, new SQLRecoverableException("internal error: " + t));
            }
        }
        // Whatever is left could not be committed in time: the agents re-send it.
        List<Job> left = new ArrayList<>();
        queue.drainTo(left);
        for (Job j : left) {
            j.callback().failed(new SQLRecoverableException("collector shutting down"));
        }
    }

    private void writeWithRetry(List<Job> group) {
        long backoffMs = 100;
        while (true) {
            try {
                if (!readiness.isReady()) {
                    throw new SQLTransientException("storage not ready: " + readiness.reason());
                }
                write(group);
                return;
            } catch (SQLException | RuntimeException | AssertionError thrown) {
                // pgjdbc asserts (with -ea) where a closed connection makes a call fail.
                Exception e = thrown instanceof AssertionError ? new SQLRecoverableException(thrown.toString(), thrown)
                        : (Exception) thrown;
                boolean transientFailure = isTransient(e);
                if (transientFailure && System.nanoTime() < giveUpAtNanos) {
                    stats.commitRetries.increment();
                    if (backoffMs == 100) {
                        LOG.warn("Ingest commit failed, retrying: {}", e.getMessage());
                    }
                    try {
                        Thread.sleep(backoffMs);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        failAll(group, e);
                        return;
                    }
                    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                    continue;
                }
                if (!transientFailure && group.size() > 1) {
                    // Find the batch that cannot be stored; the others go in on their own.
                    for (Job j : group) {
                        writeWithRetry(List.of(j));
                    }
                    return;
                }
                if (!transientFailure) {
                    LOG.error("Batch {} of agent {} cannot be stored: {}", group.get(0).batch().sequence(),
                            group.get(0).batch().agentId(), e.getMessage());
                }
                failAll(group, e);
                return;
            }
        }
    }

    private void failAll(List<Job> group, Exception e) {
        stats.batchesFailed.add(group.size());
        for (Job j : group) {
            j.callback().failed(e);
        }
    }

    static boolean isTransient(Exception e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true;
        }
        if (e instanceof SQLException sql) {
            String state = sql.getSQLState();
            return state == null || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")
                    || state.startsWith("40") || state.equals("55P03");
        }
        return false;
    }

    private void write(List<Job> group) throws SQLException {
        long started = System.nanoTime();
        List<SeriesKey> keys = new ArrayList<>();
        Map<String, PreparedBatch.MetricMetadata> metadata = new HashMap<>();
        Set<PreparedBatch.SpanOperation> ops = new HashSet<>();
        for (Job j : group) {
            ops.addAll(j.batch().operations());
            for (PreparedBatch.SeriesPoints sp : j.batch().points()) {
                keys.add(sp.key());
            }
            metadata.putAll(j.batch().metadata());
        }
        List<Outcome> outcomes = new ArrayList<>(group.size());
        try (Connection c = dataSource.getConnection()) {
            Map<SeriesKey, Long> ids = series.resolve(c, keys);
            series.recordMetadata(c, metadata);
            operations.record(c, ops);
            c.setAutoCommit(false);
            try {
                Set<String> fresh = registerBatches(c, group);
                // Sized for the whole group up front: grown by doubling from 64 KB, the buffers were
                // copied several times a commit (seven batches of 1,000 points are 266 KB, of spans
                // about 3.5 MB): 55 of the ingest writer threads' 140 CPU samples in a JFR profile
                // of bench/run-ingest.sh were that growth.
                int groupPoints = 0;
                int groupSpanBytes = 0;
                for (Job j : group) {
                    groupPoints += j.batch().pointCount();
                    groupSpanBytes += j.batch().spans().sizeBytes();
                }
                PointRows points = new PointRows(groupPoints);
                PgBinaryCopy spans = new PgBinaryCopy(groupSpanBytes + 64);
                PgBinaryCopy securityEvents = null;
                Map<SecurityEventMapping.TotalKey, Integer> securityCounts = new HashMap<>();
                int acceptedPoints = 0;
                int acceptedSpans = 0;
                for (Job j : group) {
                    PreparedBatch b = j.batch();
                    // remove(): the same batch twice in one group is stored once too
                    if (!fresh.remove(batchKey(b.sessionId(), b.sequence()))) {
                        outcomes.add(new Outcome(b.sequence(), 0, 0, b.rejectedSpans(), b.rejectedPoints(),
                                b.reasons(), true));
                        continue;
                    }
                    int accepted = 0;
                    int refused = 0;
                    for (PreparedBatch.SeriesPoints sp : b.points()) {
                        long id = ids.getOrDefault(sp.key(), SeriesRegistry.REJECTED);
                        if (id == SeriesRegistry.REJECTED) {
                            refused += sp.count();
                            continue;
                        }
                        accepted += points.addAll(id, sp);
                    }
                    spans.appendRowsOf(b.spans());
                    if (b.securityEvents() != null) {
                        if (securityEvents == null) {
                            securityEvents = new PgBinaryCopy(8 * 1024);
                        }
                        securityEvents.appendRowsOf(b.securityEvents());
                        b.securityEventCounts().forEach((k, n) -> securityCounts.merge(k, n, Integer::sum));
                    }
                    List<String> reasons = b.reasons();
                    if (refused > 0) {
                        stats.pointsRejectedSeriesLimit.add(refused);
                        reasons = new ArrayList<>(reasons);
                        reasons.add(refused + " points of new series over the limit of series per metric name");
                    }
                    acceptedPoints += accepted;
                    acceptedSpans += b.spanCount();
                    outcomes.add(new Outcome(b.sequence(), b.spanCount(), accepted, b.rejectedSpans(),
                            b.rejectedPoints() + refused, reasons, false));
                }
                points.copyInto(c);
                spans.copyInto(c, BatchPreparer.SPAN_COLUMNS);
                if (securityEvents != null) {
                    securityEvents.copyInto(c, SecurityEventMapping.COLUMNS);
                    // Last: the totals' row locks are held only until the commit right after.
                    SecurityEventMapping.addToTotals(c, securityCounts);
                }
                c.commit();
                stats.pointsAccepted.add(acceptedPoints);
                stats.spansAccepted.add(acceptedSpans);
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection is likely gone; the pool discards it
                }
                throw e;
            } finally {
                try {
                    c.setAutoCommit(true);
                } catch (SQLException ignored) {
                    // as above
                }
            }
        }
        stats.commitTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        for (int i = 0; i < group.size(); i++) {
            Outcome o = outcomes.get(i);
            if (o.duplicate()) {
                stats.batchesDuplicate.increment();
            } else {
                stats.batchesCommitted.increment();
                // Stored: forwarded over OTLP too (never waits; what does not fit is dropped and counted).
                forwarder.offer(group.get(i).batch().exportSpans());
            }
            group.get(i).callback().committed(o);
        }
    }

    /** Records each batch's (session, sequence); returns the keys of those not stored before. */
    private static Set<String> registerBatches(Connection c, List<Job> group) throws SQLException {
        String[] sessions = new String[group.size()];
        Long[] sequences = new Long[group.size()];
        String[] agents = new String[group.size()];
        for (int i = 0; i < group.size(); i++) {
            sessions[i] = group.get(i).batch().sessionId();
            sequences[i] = group.get(i).batch().sequence();
            agents[i] = group.get(i).batch().agentId();
        }
        Set<String> fresh = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO ingest_batches (session_id, sequence, agent_id) "
                        + "SELECT * FROM unnest(?::text[], ?::bigint[], ?::text[]) "
                        + "ON CONFLICT (session_id, sequence) DO NOTHING RETURNING session_id, sequence")) {
            ps.setArray(1, c.createArrayOf("text", sessions));
            ps.setArray(2, c.createArrayOf("bigint", sequences));
            ps.setArray(3, c.createArrayOf("text", agents));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fresh.add(batchKey(rs.getString(1), rs.getLong(2)));
                }
            }
        }
        return fresh;
    }

    private static String batchKey(String session, long sequence) {
        return session + '#' + sequence;
    }

    /**
     * Stops taking batches, commits what is queued (giving up on an unreachable database
     * after {@code drainMillis}) and reports every batch in hand.
     */
    public void drain(long drainMillis) {
        accepting = false;
        giveUpAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainMillis);
        running = false;
        for (Thread t : writers) {
            try {
                t.join(drainMillis + 1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @PreDestroy
    void stop() {
        drain(5_000);
    }
}
