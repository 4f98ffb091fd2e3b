package dev.peephole.collector.db;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import javax.sql.DataSource;

/** Gives Micronaut Data the collector's pool as its "default" data source. */
@Factory
public class DataSourceFactory {

    @Singleton
    @Named("default")
    public DataSource dataSource(ConnectionPool pool) {
        return pool.dataSource();
    }
}
