package dev.peephole.collector.db;

import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;


/** Asks the database whether it answers, for /ready and the status page. */
@Singleton
public class DatabaseProbe {

    private static final int TIMEOUT_SECONDS = 2;

    private final DataSource dataSource;

    public DatabaseProbe(ConnectionPool pool) {
        this.dataSource = pool.dataSource();
    }

    /** Empty when the database answered; otherwise what went wrong. */
    public Optional<String> check() {
        try (Connection c = dataSource.getConnection()) {
            return c.isValid(TIMEOUT_SECONDS) ? Optional.empty() : Optional.of("the database did not answer within " + TIMEOUT_SECONDS + " s");
        } catch (SQLException e) {
            return Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }
}
