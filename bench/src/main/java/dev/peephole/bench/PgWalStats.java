package dev.peephole.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * One snapshot of PostgreSQL's (17) cumulative WAL, checkpoint and client-backend write counters,
 * as a line {@code RESULT wal_records=.. wal_fpi=.. wal_bytes=.. checkpoints=.. checkpoint_buffers=..
 * backend_writes=..}: run-ingest.sh takes one before and after each phase, so a phase whose
 * PostgreSQL work per row is out of line shows whether a checkpoint (and the full-page images after
 * it) or backends evicting dirty buffers fell into it. {@code PgWalStats JDBC_URL [USER]}.
 */
public final class PgWalStats {

    private PgWalStats() {
    }

    public static void main(String[] args) throws Exception {
        String user = args.length > 1 ? args[1] : "postgres";
        try (Connection c = DriverManager.getConnection(args[0], user, "");
             Statement st = c.createStatement()) {
            StringBuilder out = new StringBuilder("RESULT");
            try (ResultSet rs = st.executeQuery("SELECT wal_records, wal_fpi, wal_bytes FROM pg_stat_wal")) {
                rs.next();
                out.append(" wal_records=").append(rs.getLong(1)).append(" wal_fpi=").append(rs.getLong(2))
                        .append(" wal_bytes=").append(rs.getBigDecimal(3).toBigInteger());
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT num_timed + num_requested, buffers_written FROM pg_stat_checkpointer")) {
                rs.next();
                out.append(" checkpoints=").append(rs.getLong(1)).append(" checkpoint_buffers=").append(rs.getLong(2));
            }
            try (ResultSet rs = st.executeQuery(
                    "SELECT coalesce(sum(writes), 0) FROM pg_stat_io WHERE backend_type = 'client backend'")) {
                rs.next();
                out.append(" backend_writes=").append(rs.getLong(1));
            }
            System.out.println(out);
        }
    }
}
