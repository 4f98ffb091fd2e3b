package dev.peephole.collector.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.support.TestPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Raw points are read as binary rows ({@code series_id, t, v}) and their times turned into epoch
 * milliseconds in Java: on the real PostgreSQL, for whole milliseconds and for stored times with
 * microseconds (ties included, before and after 1970), the result is the millisecond the former
 * SQL {@code (date_part('epoch', t) * 1000)::bigint} gave; the binary value read as it is
 * ({@code StoredSeriesSource.micros}) is the stored time's exact microseconds.
 */
class RawReadTimestampTest {

    @Test
    void binaryTimestampsGiveTheMillisecondsOfTheSqlFormula() throws Exception {
        try (Connection c = DriverManager.getConnection(TestPostgres.newDatabase(), "postgres", null)) {
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TEMP TABLE times (t timestamptz NOT NULL)");
            }
            Random random = new Random(5);
            try (PreparedStatement ins = c.prepareStatement(
                    "INSERT INTO times VALUES (to_timestamp(0) + make_interval(secs => ?::numeric / 1000000))")) {
                long[] fixed = {0, 500, 1500, 2500, -500, -1500, 999, 1001, 1_796_147_388_248_000L,
                    1_796_147_388_248_500L, 1_796_147_388_249_500L, 1_796_147_388_248_499L, 1_796_147_388_248_501L,
                    -86_400_000_000L - 500};
                for (long micros : fixed) {
                    ins.setString(1, Long.toString(micros));
                    ins.addBatch();
                }
                for (int i = 0; i < 5000; i++) {
                    long micros = 1_700_000_000_000_000L + (long) (random.nextDouble() * 200_000_000_000_000L);
                    // Every third a whole millisecond, as the collector writes them.
                    ins.setString(1, Long.toString(i % 3 == 0 ? micros / 1000 * 1000 : micros));
                    ins.addBatch();
                }
                ins.executeBatch();
            }
            int rows = 0;
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT t, (date_part('epoch', t) * 1000)::bigint, (extract(epoch FROM t) * 1000000)::bigint FROM times")) {
                ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(-1);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        assertThat(StoredSeriesSource.epochMillis(rs.getTimestamp(1)))
                                .as("stored %s", rs.getTimestamp(1).toInstant()).isEqualTo(rs.getLong(2));
                        // The binary value read as it is: the exact microseconds, and the same milliseconds.
                        long micros = StoredSeriesSource.micros(rs, 1);
                        assertThat(micros).isEqualTo(rs.getLong(3));
                        assertThat(StoredSeriesSource.epochMillisOfMicros(micros)).isEqualTo(rs.getLong(2));
                        rows++;
                    }
                }
            }
            assertThat(rows).isEqualTo(5014);
        }
    }
}
