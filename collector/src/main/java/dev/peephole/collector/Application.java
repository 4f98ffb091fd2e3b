package dev.peephole.collector;

import dev.peephole.collector.config.CollectorSettings;
import dev.peephole.collector.config.SettingsCheck;
import dev.peephole.collector.prometheus.BuildVersion;
import io.micronaut.runtime.Micronaut;
import java.util.Optional;

/** Entry point of {@code peephole-collector.jar}. */
public final class Application {

    private Application() {
    }

    public static void main(String[] args) {
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
        Micronaut.build(args)
                .mainClass(Application.class)
                .banner(false)
                .start();
    }
}
