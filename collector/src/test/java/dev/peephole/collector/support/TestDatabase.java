package dev.peephole.collector.support;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The database a storage test runs the collector on. By default a fresh database on the
 * test JVM's embedded PostgreSQL ({@link TestPostgres}); with {@code -Dpeephole.test.db=timescaledb}
 * (e.g. {@code mvn -B verify -pl collector -am -Dpeephole.test.db=timescaledb -Dtest=AgentIngestTest
 * -Dsurefire.failIfNoSpecifiedTests=false}) the PGlite TimescaleDB of {@link TimescaleTestServer},
 * with the pool of one connection and the one ingest writer it needs. On TimescaleDB all
 * such tests share one database: give agents, services and metrics names of their own.
 */
public final class TestDatabase {

    public static final String PROPERTY = "peephole.test.db";
    /** The admin password of every storage test (on TimescaleDB they share one database and its admin). */
    public static final String ADMIN_PASSWORD = "test-admin-pass";

    private TestDatabase() {
    }

    /** True when storage tests run on the TimescaleDB test server. */
    public static boolean isTimescale() {
        return "timescaledb".equals(System.getProperty(PROPERTY, "postgres").toLowerCase(Locale.ROOT));
    }

    /** The collector properties that point it at the database (and size its pool for it). */
    public static Map<String, Object> collectorProperties() {
        if (isTimescale()) {
            return TimescaleTestServer.get().collectorProperties();
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("peephole.db.url", TestPostgres.newDatabase());
        props.put("peephole.db.user", "postgres");
        return props;
    }
}
