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
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (args[i].equals("--seconds")) {
                seconds = Long.parseLong(args[i + 1]);
            } else {
                System.err.println("usage: Idle [--seconds 3600]");
                System.exit(2);
            }
        }
        System.out.println("idle");
        Thread.sleep(seconds * 1000);
    }
}
