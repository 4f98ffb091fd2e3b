package dev.peephole.bench.agent;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TurnTakerTest {

    @Test
    void turnsNeverOverlapAndEveryPlayerGetsOneTurnPerCycle() throws Exception {
        int players = 3;
        int warmTurns = 2;
        int measuredTurns = 8;
        ServerSocket server = new ServerSocket(0, players, InetAddress.getLoopbackAddress());
        TurnTaker taker = new TurnTaker(server, players, 5, warmTurns, measuredTurns, 7);
        List<String> turns = new ArrayList<>(); // "player kind", in the order the turns ran
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(players + 1);
        try {
            Future<?> taking = pool.submit(() -> {
                taker.run();
                return null;
            });
            List<Future<List<String>>> seen = new ArrayList<>();
            for (int p = 0; p < players; p++) {
                String name = "p" + p;
                seen.add(pool.submit(() -> sit(server.getLocalPort(), turn -> {
                    if (running.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    synchronized (turns) {
                        turns.add(name + " " + turn.split(" ")[0]);
                    }
                    sleep(5);
                    running.decrementAndGet();
                })));
            }
            taking.get(30, TimeUnit.SECONDS);
            for (Future<List<String>> s : seen) {
                List<String> got = s.get(30, TimeUnit.SECONDS);
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < warmTurns; i++) {
                    expected.add("warm 5");
                }
                for (int i = 0; i < measuredTurns; i++) {
                    expected.add("measure 5");
                }
                expected.add("end");
                assertEquals(expected, got, "each player: its warm-up turns, its measured turns, then the end");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, overlaps.get(), "only one player runs at a time");
        assertEquals(players * (warmTurns + measuredTurns), turns.size());
        Set<String> orders = new HashSet<>();
        for (int cycle = 0; cycle < warmTurns + measuredTurns; cycle++) {
            List<String> inCycle = turns.subList(cycle * players, (cycle + 1) * players);
            Set<String> who = new HashSet<>();
            for (String t : inCycle) {
                who.add(t.split(" ")[0]);
                assertEquals(cycle < warmTurns ? "warm" : "measure", t.split(" ")[1], "turn kind in cycle " + cycle);
            }
            assertEquals(Set.of("p0", "p1", "p2"), who, "every player once in cycle " + cycle);
            orders.add(String.join(",", inCycle));
        }
        assertTrue(orders.size() > 1, "the order is drawn afresh each cycle: " + orders);
    }

    @Test
    void aPlayerThatAnswersWronglyOrLeavesStopsTheRunWithItsNumber() throws Exception {
        for (String answer : new String[] {"nope", null}) {
            ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
            TurnTaker taker = new TurnTaker(server, 1, 5, 1, 1, 1);
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                pool.submit(() -> play(server.getLocalPort(), turn -> answer));
                IOException e = assertThrows(IOException.class, taker::run);
                assertTrue(e.getMessage().startsWith("player 1 "), e.getMessage());
                assertTrue(e.getMessage().contains(answer == null ? "closed its connection" : "answered 'nope'"),
                        e.getMessage());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void turnsAddUpToAtLeastTheTimeAskedFor() {
        assertEquals(60, TurnTaker.turnsFor(30, 500));
        assertEquals(3, TurnTaker.turnsFor(1, 400));
    }

    /**
     * A player through the Seat DemoFrames takes its turns with, {@code onTurn} run in each turn.
     * Returns the turns it got as the lines they came in, then "end".
     */
    private static List<String> sit(int port, Consumer<String> onTurn) throws IOException {
        List<String> got = new ArrayList<>();
        try (TurnTaker.Seat seat = new TurnTaker.Seat(InetAddress.getLoopbackAddress().getHostAddress(), port)) {
            for (TurnTaker.Turn turn = seat.next(); turn != null; turn = seat.next()) {
                String line = (turn.measured() ? "measure " : "warm ") + turn.millis();
                got.add(line);
                onTurn.accept(line);
                seat.done();
            }
        }
        got.add("end");
        return got;
    }

    /**
     * A player that speaks the protocol by hand, to misbehave: answers each turn with what
     * {@code onTurn} returns (null: leaves), until the end. Returns the lines it was sent.
     */
    private static List<String> play(int port, Function<String, String> onTurn) throws IOException {
        List<String> got = new ArrayList<>();
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.US_ASCII);
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                got.add(line);
                if (line.equals("end")) {
                    break;
                }
                String answer = onTurn.apply(line);
                if (answer == null) {
                    break;
                }
                out.write(answer + "\n");
                out.flush();
            }
        }
        return got;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
