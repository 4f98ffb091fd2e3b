package dev.peephole.collector.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/**
 * The collector's one connection pool. Storage code takes plain JDBC connections from
 * {@link #dataSource()} (COPY needs the raw pgjdbc connection); Micronaut Data gets the
 * same pool through {@link DataSourceFactory}, wrapped in its own connection management.
 */
@Singleton
public class ConnectionPool {

    private final HikariDataSource pool;

    public ConnectionPool(DatabaseLocation location, @Value("${peephole.db.pool.size:8}") int poolSize,
                          io.micrometer.core.instrument.MeterRegistry meters) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("peephole");
        config.setJdbcUrl(location.jdbcUrl());
        config.setUsername(location.user());
        config.setPassword(location.password());
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        // Start even when the database is down: /ready reports it, ingest waits for it.
        config.setInitializationFailTimeout(-1);
        // Fail fast while the database is away instead of stalling request threads.
        config.setConnectionTimeout(3_000);
        config.setValidationTimeout(2_000);
        config.addDataSourceProperty("ApplicationName", "peephole-collector");
        // No read may wait forever on a database that vanished mid-conversation (seconds;
        // longer than the longest query, PEEPHOLE_QUERY_TIMEOUT 2 m).
        config.addDataSourceProperty("socketTimeout", "300");
        config.addDataSourceProperty("connectTimeout", "5");
        // Server-prepared statements with binary results from the first execution: a range
        // query's sample arrays arrive as binary float8/int8 instead of text to parse.
        config.addDataSourceProperty("prepareThreshold", "-1");
        // hikaricp_connections_* on /metrics
        config.setMetricRegistry(meters);
        this.pool = new HikariDataSource(config);
    }

    /** Plain JDBC access to the pool. */
    public DataSource dataSource() {
        return pool;
    }

    public HikariDataSource hikari() {
        return pool;
    }

    @PreDestroy
    public void close() {
        pool.close();
    }
}
