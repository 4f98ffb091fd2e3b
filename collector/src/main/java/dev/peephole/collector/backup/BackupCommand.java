package dev.peephole.collector.backup;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import dev.peephole.collector.db.DatabaseLocation;

/**
 * {@code java -jar peephole-collector.jar backup --out FILE} and {@code restore --in FILE [--force]}.
 * The database is the collector's: {@code PEEPHOLE_DB_URL} (with {@code PEEPHOLE_DB_USER} /
 * {@code PEEPHOLE_DB_PASSWORD}) when set, else the embedded PostgreSQL of
 * {@code PEEPHOLE_DATA_DIR}. When a collector runs on that data directory its PostgreSQL is
 * already up: PostgreSQL's own {@code postmaster.pid} in {@code DATA_DIR/postgres} names its
 * process and port, and the command connects there instead of starting a second server on
 * the same files. Otherwise it starts the embedded PostgreSQL itself and stops it when done.
 */
public final class BackupCommand {

    private final PrintStream out;
    private final PrintStream err;

    public BackupCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    /** True when {@code args} name a command of this class. */
    public static boolean handles(String[] args) {
        return args.length > 0 && (args[0].equals("backup") || args[0].equals("restore"));
    }

    /** Runs the command; returns the process exit code (0 done, 1 refused or failed, 2 wrong usage). */
    public int run(String[] args) {
        String command = args[0];
        Path file = null;
        boolean force = false;
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("--out") && command.equals("backup")) || (a.equals("--in") && command.equals("restore"))) {
                if (i + 1 >= args.length) {
                    return usage(command, a + " needs a file name");
                }
                file = Path.of(args[++i]);
            } else if (a.equals("--force") && command.equals("restore")) {
                force = true;
            } else {
                return usage(command, "unknown argument " + a);
            }
        }
        if (file == null) {
            return usage(command, command.equals("backup") ? "--out FILE is required" : "--in FILE is required");
        }
        try {
            return command.equals("backup") ? backup(file) : restore(file, force);
        } catch (BackupRestorer.Refused e) {
            err.println("restore refused: " + e.getMessage());
            return 1;
        } catch (IOException | SQLException | RuntimeException e) {
            err.println(command + " failed: " + e.getMessage());
            return 1;
        }
    }

    private int usage(String command, String problem) {
        err.println(command + ": " + problem);
        err.println("Usage: java -jar peephole-collector.jar backup --out FILE");
        err.println("       java -jar peephole-collector.jar restore --in FILE [--force]");
        return 2;
    }

    private int backup(Path file) throws IOException, SQLException {
        try (Target db = Target.open(false)) {
            long started = System.nanoTime();
            BackupManifest m;
            try (Connection c = db.connect()) {
                m = BackupWriter.writeFile(c, file);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            long size = Files.size(file);
            out.printf(Locale.ROOT, "Backed up %s to %s: schema %s, %d tables, %d rows, %.1f MB of table data "
                            + "in %.1f MB, %.1f s (%.1f MB/s, %.0f rows/s)%n",
                    db.describe(), file, m.schemaVersion(), m.tables().size(), m.totalRows(), m.totalBytes() / 1e6,
                    size / 1e6, seconds, m.totalBytes() / 1e6 / seconds, m.totalRows() / seconds);
            return 0;
        }
    }

    private int restore(Path file, boolean force) throws IOException, SQLException, BackupRestorer.Refused {
        // Checked before a database is started (or created) for it.
        long started = System.nanoTime();
        BackupManifest m = BackupRestorer.verify(file);
        double checkSeconds = (System.nanoTime() - started) / 1e9;
        try (Target db = Target.open(true); Connection c = db.connect()) {
            BackupRestorer.Result r = BackupRestorer.restore(file, m, c, force, out::println);
            out.printf(Locale.ROOT, "Restored %s into %s: schema %s, %d rows, %.1f MB of table data; checked in "
                            + "%.1f s, restored in %.1f s: schema %.1f s, data %.1f s (%.1f MB/s, %.0f rows/s)%n",
                    file, db.describe(), r.manifest().schemaVersion(), r.rows(), r.bytes() / 1e6, checkSeconds,
                    r.seconds(), r.schemaSeconds(), r.dataSeconds(), r.bytes() / 1e6 / r.dataSeconds(),
                    r.rows() / r.dataSeconds());
            return 0;
        }
    }

    /** Reads a setting as the collector does: system property, then environment variable. */
    static String setting(String env, String fallback) {
        String property = env.toLowerCase(Locale.ROOT).replace('_', '.');
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? fallback : v;
    }

    /** The database to work on, and whatever was started for it. */
    static final class Target implements AutoCloseable {
        private final String url;
        private final String user;
        private final String password;
        private final EmbeddedPostgres started;
        private final String description;

        private Target(String url, String user, String password, EmbeddedPostgres started, String description) {
            this.url = url;
            this.user = user;
            this.password = password;
            this.started = started;
            this.description = description;
        }

        static Target open(boolean creating) throws IOException {
            String url = setting("PEEPHOLE_DB_URL", null);
            if (url != null) {
                return new Target(url, setting("PEEPHOLE_DB_USER", null), setting("PEEPHOLE_DB_PASSWORD", null), null,
                        "the database " + url.replaceAll("password=[^&]*", "password=<redacted>"));
            }
            Path dataDir = Path.of(setting("PEEPHOLE_DATA_DIR", "./peephole-data"));
            Path pgData = dataDir.resolve("postgres");
            Integer port = runningPort(pgData);
            if (port != null) {
                return new Target("jdbc:postgresql://localhost:" + port + "/postgres", "postgres", null, null,
                        "the running embedded database of " + dataDir + " (port " + port + ")");
            }
            if (!creating && !Files.exists(pgData.resolve("PG_VERSION"))) {
                throw new IOException("there is no database under " + dataDir.toAbsolutePath()
                        + " (set PEEPHOLE_DATA_DIR or PEEPHOLE_DB_URL)");
            }
            EmbeddedPostgres pg = DatabaseLocation.startEmbedded(dataDir);
            return new Target(pg.getJdbcUrl("postgres", "postgres"), "postgres", null, pg,
                    "the embedded database of " + dataDir);
        }

        /**
         * The port of the PostgreSQL running on {@code pgData}, from its {@code postmaster.pid}
         * (line 1 the process id, line 4 the port), or null when none runs there.
         */
        static Integer runningPort(Path pgData) throws IOException {
            Path pidFile = pgData.resolve("postmaster.pid");
            if (!Files.isRegularFile(pidFile)) {
                return null;
            }
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.size() < 4) {
                return null;
            }
            try {
                long pid = Long.parseLong(lines.get(0).trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    return Integer.parseInt(lines.get(3).trim());
                }
            } catch (NumberFormatException e) {
                return null;
            }
            return null; // left behind by a PostgreSQL that did not stop cleanly; starting it again clears it
        }

        Connection connect() throws SQLException {
            Properties p = new Properties();
            if (user != null) {
                p.setProperty("user", user);
            }
            if (password != null) {
                p.setProperty("password", password);
            }
            p.setProperty("ApplicationName", "peephole-backup");
            return DriverManager.getConnection(url, p);
        }

        String describe() {
            return description;
        }

        @Override
        public void close() throws IOException {
            if (started != null) {
                started.close();
            }
        }
    }
}
