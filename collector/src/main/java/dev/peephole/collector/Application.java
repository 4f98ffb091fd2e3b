package dev.peephole.collector;

import dev.peephole.collector.backup.BackupCommand;
import dev.peephole.collector.config.CollectorSettings;
import dev.peephole.collector.config.SettingsCheck;
import dev.peephole.collector.prometheus.BuildVersion;
import dev.peephole.collector.security.TlsFiles;
import io.micronaut.context.env.Environment;
import io.micronaut.runtime.Micronaut;
import java.util.Locale;
import java.util.Optional;

/** Entry point of {@code peephole-collector.jar}. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
        if (BackupCommand.handles(args)) {
            System.exit(new BackupCommand(System.out, System.err).run(args));
        }
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.print(CollectorSettings.helpText());
                return;
            }
            if (arg.equals("--version")) {
                System.out.println(BuildVersion.describe());
                return;
            }
        }
        Optional<String> wrong = SettingsCheck.check(System.getenv(), System.getProperties());
        if (wrong.isPresent()) {
            System.err.println("peephole-collector: " + wrong.get());
            System.exit(2);
        }
        // HTTPS comes from Micronaut's own SSL settings, which must be in place before its server
        // starts: PEEPHOLE_TLS_HTTP_* or PEEPHOLE_TLS_* (environment or -Dpeephole.tls.*) become them.
        TlsFiles tls = new TlsFiles(name -> Optional.ofNullable(System.getProperty(name))
                .or(() -> Optional.ofNullable(System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_')))));
        String port = Optional.ofNullable(System.getProperty("peephole.http.port"))
                .or(() -> Optional.ofNullable(System.getenv("PEEPHOLE_HTTP_PORT"))).orElse("8080");
        java.util.Map<String, Object> https;
        try {
            https = tls.micronautServerProperties(port);
        } catch (IllegalStateException e) {
            System.err.println("peephole-collector: " + e.getMessage());
            System.exit(2);
            return;
        }
        new Launcher().args(args)
                .properties(https)
                .mainClass(Application.class)
                .banner(false)
                .start();
    }

    /**
     * Micronaut's launcher, saying first in one line why start-up failed: Micronaut logs the
     * whole chain of bean-creation errors, where the reason (often naming the setting) is
     * buried at the end. Exit code and logging are Micronaut's.
     */
    static final class Launcher extends Micronaut {
        @Override
        protected void handleStartupException(Environment environment, Throwable failure) {
            System.err.println("peephole-collector: " + StartupFailure.reason(failure));
            super.handleStartupException(environment, failure);
        }
    }
}
