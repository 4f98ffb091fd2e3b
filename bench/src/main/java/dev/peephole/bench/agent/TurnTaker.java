package dev.peephole.bench.agent;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Lets several {@code DemoFrames} JVMs (with and without the agent) run their frames in short
 * alternating turns instead of one after another, so that each of them meets the same states of
 * the machine.
 *
 * <p>Why: on this virtual machine the same frames in the same JVM run at two speeds, about 1.6
 * and 2.3 ms, in stretches of one to several seconds. They show in a plain memory-bound loop
 * too, not in an arithmetic one, and JVMs running at the same time meet them together 3 to 8
 * times as often as chance would: largely the host's caches and memory, shared with other
 * tenants. Run one after another, two JVMs get different shares of slow stretches, and that
 * share sets much of their p99. Taking turns of half a second, they meet them alike.
 *
 * <p>Protocol, one line at a time over a loopback TCP connection per player: the turn taker
 * sends {@code warm MS} or {@code measure MS}, the player runs frames for MS milliseconds and
 * answers {@code done}; at the end it sends {@code end}. Only the player whose turn it is runs
 * frames; the others wait on their socket, off the CPU (their own background threads, such as
 * an agent's exporter finishing its last batch, still run). Every cycle gives each player one
 * turn, in an order drawn afresh each cycle, so no player always follows the same other.
 *
 * <pre>
 * java -cp peephole-bench.jar dev.peephole.bench.agent.TurnTaker --players 3 [--turn-ms 500]
 *   [--warmup-seconds 40] [--seconds 30] [--seed 1]
 * </pre>
 * Prints the port it listens on (127.0.0.1), then waits for every player (up to two minutes each).
 * {@code --seconds} is each player's measured time, the sum of its measured turns.
 */
public final class TurnTaker {
    static final String USAGE = """
            usage: TurnTaker --players N [--turn-ms 500] [--warmup-seconds 40] [--seconds 30] [--seed 1]""";
    /** How long a player may take over one turn before the turn taker gives up on it. */
    private static final int TURN_TIMEOUT_MS = 120_000;

    private final ServerSocket server;
    private final int players;
    private final int turnMs;
    private final int warmTurns;
    private final int measuredTurns;
    private final Random order;

    TurnTaker(ServerSocket server, int players, int turnMs, int warmTurns, int measuredTurns, long seed) {
        this.server = server;
        this.players = players;
        this.turnMs = turnMs;
        this.warmTurns = warmTurns;
        this.measuredTurns = measuredTurns;
        this.order = new Random(seed);
    }

    public static void main(String[] argv) throws Exception {
        TurnTaker taker;
        try {
            Variants args = Variants.ofThisRun(argv, Map.of("players", "", "turn-ms", "500",
                    "warmup-seconds", "40", "seconds", "30", "seed", "1"));
            int players = args.positiveInt("players");
            int turnMs = args.positiveInt("turn-ms");
            int warmTurns = turnsFor(args.positiveInt("warmup-seconds"), turnMs);
            int measuredTurns = turnsFor(args.positiveInt("seconds"), turnMs);
            taker = new TurnTaker(new ServerSocket(0, players, InetAddress.getLoopbackAddress()), players, turnMs,
                    warmTurns, measuredTurns, args.positiveInt("seed"));
        } catch (Variants.BadArgs e) {
            System.err.println("TurnTaker: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        System.out.println(taker.server.getLocalPort());
        System.out.flush();
        try {
            taker.run();
        } catch (IOException e) {
            System.err.println("TurnTaker: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Turns of turnMs that add up to at least the given seconds. */
    static int turnsFor(int seconds, int turnMs) {
        return (int) ((seconds * 1000L + turnMs - 1) / turnMs);
    }

    /** Waits for every player, gives the turns, then ends every player. */
    void run() throws IOException {
        List<Player> joined = new ArrayList<>();
        server.setSoTimeout(TURN_TIMEOUT_MS);
        try (server) {
            while (joined.size() < players) {
                try {
                    joined.add(new Player(server.accept(), joined.size() + 1));
                } catch (SocketTimeoutException e) {
                    throw new IOException(joined.size() + " of " + players + " players joined within "
                            + TURN_TIMEOUT_MS / 1000 + " s");
                }
            }
            long start = System.nanoTime();
            for (int cycle = 0; cycle < warmTurns + measuredTurns; cycle++) {
                String turn = (cycle < warmTurns ? "warm " : "measure ") + turnMs;
                List<Player> cycleOrder = new ArrayList<>(joined);
                Collections.shuffle(cycleOrder, order);
                for (Player p : cycleOrder) {
                    p.take(turn);
                }
            }
            for (Player p : joined) {
                p.end();
            }
            System.out.printf("turns: %d players, %d warm-up and %d measured turns of %d ms each, in %.1f s%n",
                    players, warmTurns, measuredTurns, turnMs, (System.nanoTime() - start) / 1e9);
        } finally {
            for (Player p : joined) {
                p.close();
            }
        }
    }

    /** One connected DemoFrames. */
    private static final class Player {
        private final Socket socket;
        private final int number;
        private final BufferedReader in;
        private final Writer out;

        Player(Socket socket, int number) throws IOException {
            this.socket = socket;
            this.number = number;
            socket.setSoTimeout(TURN_TIMEOUT_MS);
            socket.setTcpNoDelay(true);
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII);
        }

        void take(String turn) throws IOException {
            out.write(turn + "\n");
            out.flush();
            String answer;
            try {
                answer = in.readLine();
            } catch (SocketTimeoutException e) {
                throw new IOException("player " + number + " did not finish its turn within "
                        + TURN_TIMEOUT_MS / 1000 + " s");
            }
            if (answer == null) {
                throw new IOException("player " + number + " closed its connection during '" + turn + "'");
            }
            if (!"done".equals(answer)) {
                throw new IOException("player " + number + " answered '" + answer + "' to '" + turn + "'");
            }
        }

        void end() throws IOException {
            out.write("end\n");
            out.flush();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One turn as a player gets it: warm-up or measured, and how long. */
    record Turn(boolean measured, long millis) {
    }

    /** A player's end of the protocol: what {@code DemoFrames --turns} takes its turns through. */
    static final class Seat implements Closeable {
        private final String at;
        private final Socket socket;
        private final BufferedReader in;
        private final Writer out;

        Seat(String host, int port) throws IOException {
            this.at = host + ":" + port;
            this.socket = new Socket(host, port);
            socket.setTcpNoDelay(true);
            this.in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII);
        }

        /** Waits for this player's next turn; null at the end. */
        Turn next() throws IOException {
            String line = in.readLine();
            if (line == null) {
                throw new IOException("the turn taker at " + at + " went away before the end");
            }
            if (line.equals("end")) {
                return null;
            }
            if (!line.matches("(warm|measure) \\d+")) {
                throw new IOException("the turn taker at " + at + " sent '" + line + "'");
            }
            int blank = line.indexOf(' ');
            return new Turn(line.startsWith("measure"), Long.parseLong(line.substring(blank + 1)));
        }

        /** Ends this player's turn. */
        void done() throws IOException {
            out.write("done\n");
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
