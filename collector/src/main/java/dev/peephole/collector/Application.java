package dev.peephole.collector;

import dev.peephole.collector.backup.BackupCommand;
import dev.peephole.collector.config.CollectorSettings;
import io.micronaut.runtime.Micronaut;

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
        }
        Micronaut.build(args)
                .mainClass(Application.class)
                .banner(false)
                .start();
    }
}
