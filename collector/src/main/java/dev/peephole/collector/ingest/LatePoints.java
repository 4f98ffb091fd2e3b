package dev.peephole.collector.ingest;

import dev.peephole.collector.db.DatabaseLocation;
import dev.peephole.collector.util.DaemonThreads;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.Deque;
import java.sql.DriverManager;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points stored late, announced to every collector on the database: a transaction that stores
 * points of which the oldest is more than {@link #LATE_AFTER_MS} older than the writing
 * collector's clock sends, with its commit, a PostgreSQL notification on {@link #CHANNEL}
 * carrying that oldest time ({@link #announceIfLate}, from {@link PointRows}, the one place
 * points are written). A collector that reads (rule groups' carried reads) listens on its own
 * connection and counts what arrives, so a read can ask which late points were announced since
 * an earlier one ({@link #since}). Notifications are delivered only after their commit and only
 * to sessions listening at that moment: while this listener is not connected, or after it
 * reconnected, the answer for a read made before is "unknown", never "none".
 */
@Singleton
public class LatePoints {
    private static final Logger LOG = LoggerFactory.getLogger(LatePoints.class);

    /** The notification channel. */
    public static final String CHANNEL = "peephole_late_points";
    /** Points older than this (against the writing collector's clock when it COPYs them) are announced. */
    public static final long LATE_AFTER_MS = 30_000L;
    /** Announcements remembered (a read whose mark is older than the oldest kept learns "unknown"). */
    static final int KEPT = 10_000;

    /** Where the listener stood when a read began. */
    public record Mark(long epoch, long seq, boolean listening) {
    }

    private final DatabaseLocation location;
    /** (seq, oldest time ms) of each announcement received, oldest first. */
    private final Deque<long[]> received = new ArrayDeque<>();
    private long seq;
    /** Goes up each time the listener (re)connects; announcements are only complete within one epoch. */
    private long epoch;
    private boolean listening;
    private Thread thread;
    private volatile boolean stopped;

    public LatePoints(DatabaseLocation location) {
        this.location = location;
    }

    /** The listener's own connection, outside the pool (a pool of one must not lose it). */
    private Connection connect() throws SQLException {
        Properties p = new Properties();
        if (location.user() != null) {
            p.setProperty("user", location.user());
        }
        if (location.password() != null) {
            p.setProperty("password", location.password());
        }
        p.setProperty("ApplicationName", "peephole-collector late points");
        p.setProperty("connectTimeout", "5");
        // getNotifications waits at most a second at a time: a dead server is noticed within this.
        p.setProperty("socketTimeout", "60");
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(location.jdbcUrl(), p);
    }

    /**
     * In the writing transaction, after its points: announces the oldest one when it is late.
     * The notification goes out with the commit (and not at all on a rollback).
     */
    static void announceIfLate(Connection c, long oldestUnixNanos) throws SQLException {
        long oldestMs = Math.floorDiv(oldestUnixNanos, 1_000_000L);
        if (oldestMs >= System.currentTimeMillis() - LATE_AFTER_MS) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
            ps.setString(1, CHANNEL);
            ps.setString(2, Long.toString(oldestMs));
            ps.execute();
        }
    }

    /** Where the listener stands now; starts it on first use. */
    public synchronized Mark mark() {
        if (thread == null && !stopped) {
            thread = DaemonThreads.named("peephole-late-points", this::listen);
            thread.start();
        }
        return new Mark(epoch, seq, listening);
    }

    /**
     * The oldest time (ms) of the late points announced after {@code earlier} was taken:
     * {@link Long#MAX_VALUE} when none; null when that cannot be known (the listener was not
     * listening then or is not now, reconnected since, or the announcements since were dropped).
     */
    public synchronized Long since(Mark earlier) {
        if (earlier == null || !earlier.listening() || !listening || earlier.epoch() != epoch) {
            return null;
        }
        if (earlier.seq() < seq && (received.isEmpty() || received.peekFirst()[0] > earlier.seq() + 1)) {
            return null;
        }
        long oldest = Long.MAX_VALUE;
        for (java.util.Iterator<long[]> it = received.descendingIterator(); it.hasNext(); ) {
            long[] r = it.next();
            if (r[0] <= earlier.seq()) {
                break;
            }
            oldest = Math.min(oldest, r[1]);
        }
        return oldest;
    }

    /** Whether the listener is listening now. */
    public synchronized boolean listening() {
        return listening;
    }

    private synchronized void connected() {
        epoch++;
        listening = true;
        received.clear();
    }

    private synchronized void disconnected() {
        listening = false;
    }

    private synchronized void receive(long oldestMs) {
        seq++;
        received.addLast(new long[] {seq, oldestMs});
        while (received.size() > KEPT) {
            received.removeFirst();
        }
    }

    private void listen() {
        while (!stopped) {
            try (Connection c = connect()) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                connected();
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!stopped) {
                    PGNotification[] got = pg.getNotifications(1_000);
                    if (got == null) {
                        continue;
                    }
                    for (PGNotification n : got) {
                        long oldest;
                        try {
                            oldest = Long.parseLong(n.getParameter());
                        } catch (NumberFormatException e) {
                            oldest = Long.MIN_VALUE; // not ours to read: treat as late as can be
                        }
                        receive(oldest);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                disconnected();
                if (!stopped) {
                    LOG.debug("Listening for late points failed, retrying: {}", e.toString());
                    try {
                        Thread.sleep(1_000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            } finally {
                disconnected();
            }
        }
    }

    @PreDestroy
    void stop() {
        stopped = true;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }
}
