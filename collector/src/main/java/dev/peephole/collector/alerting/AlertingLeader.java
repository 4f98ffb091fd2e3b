package dev.peephole.collector.alerting;

import dev.peephole.collector.db.ConnectionPool;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which collector on a database evaluates rules and sends notifications: the one holding a
 * PostgreSQL session advisory lock on a connection of its own (outside the pool, so the lock
 * lives exactly as long as that session). When the leader dies its session ends, the lock is
 * released, and the next collector to ask takes over.
 */
@Singleton
public class AlertingLeader {
    private static final Logger LOG = LoggerFactory.getLogger(AlertingLeader.class);
    private static final long LOCK_KEY = 0x70656570616c7274L; // "peepalrt"

    private final ConnectionPool pool;
    private final boolean enabled;
    private Connection session;
    private boolean leader;

    public AlertingLeader(ConnectionPool pool,
                          @io.micronaut.context.annotation.Value("${peephole.alerting.enabled:true}") boolean enabled) {
        this.pool = pool;
        this.enabled = enabled;
    }

    /**
     * True while this collector holds the lock; tries to take it when it does not. Never true
     * with PEEPHOLE_ALERTING_ENABLED=false (such a collector only ingests and answers queries).
     */
    public synchronized boolean isLeader() {
        if (!enabled) {
            return false;
        }
        try {
            if (session != null && !session.isValid(5)) {
                closeQuietly();
            }
            if (session == null) {
                Properties p = new Properties();
                if (pool.hikari().getUsername() != null) {
                    p.setProperty("user", pool.hikari().getUsername());
                }
                if (pool.hikari().getPassword() != null) {
                    p.setProperty("password", pool.hikari().getPassword());
                }
                p.setProperty("ApplicationName", "peephole-alerting-leader");
                session = DriverManager.getConnection(pool.hikari().getJdbcUrl(), p);
            }
            if (!leader) {
                try (PreparedStatement ps = session.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                    ps.setLong(1, LOCK_KEY);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        leader = rs.getBoolean(1);
                    }
                }
                if (leader) {
                    LOG.info("This collector now evaluates alert rules and sends notifications (leader)");
                }
            }
            return leader;
        } catch (SQLException e) {
            if (leader) {
                LOG.warn("Lost alerting leadership: {}", e.getMessage());
            }
            closeQuietly();
            return false;
        }
    }

    private void closeQuietly() {
        leader = false;
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // the session is gone either way
            }
            session = null;
        }
    }

    @PreDestroy
    synchronized void close() {
        closeQuietly();
    }
}
