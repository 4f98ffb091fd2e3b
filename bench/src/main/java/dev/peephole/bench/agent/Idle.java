package dev.peephole.bench.agent;

/**
 * An app that does nothing for {@code --seconds} (default 3600), so that what an agent's own
 * threads cost can be read from outside the process (bench/run-host-metrics.sh reads the
 * {@code peephole-metrics} thread's CPU time from /proc) with no app work beside it.
 */
public final class Idle {
    private Idle() {
    }

    public static void main(String[] args) throws InterruptedException {
        long seconds = 3600;
        if (args.length == 2 && args[0].equals("--seconds") && args[1].matches("[0-9]{1,9}")) {
            seconds = Long.parseLong(args[1]);
        } else if (args.length != 0) {
            // a lone, unknown or malformed argument is an error, not silently the default
            System.err.println("usage: Idle [--seconds 3600]");
            System.exit(2);
        }
        System.out.println("idle");
        Thread.sleep(seconds * 1000);
    }
}
