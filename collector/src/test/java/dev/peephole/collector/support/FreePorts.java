package dev.peephole.collector.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a collector a test starts as a process, which binds them a moment later.
 *
 * <p>They are taken below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}),
 * where {@code new ServerSocket(0)} and every outgoing connection get their ports: a port picked
 * there and released before the collector binds it can be taken in between by any client socket
 * on the machine (seen in CI: "Address already in use"). Below the range only an explicit bind
 * takes a port, and this JVM never hands out one twice.
 */
public final class FreePorts {
    private static final int LOWEST = 10_000;
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /** A port nothing listens on now, outside the ephemeral range, not handed out before by this JVM. */
    public static synchronized int next() throws IOException {
        int ephemeralLow = ephemeralLow();
        if (ephemeralLow - LOWEST < 1_000) {
            return fromKernel(); // an unusual range: take the kernel's pick
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int tries = 0; tries < 1_000; tries++) {
            int port = random.nextInt(LOWEST, ephemeralLow);
            if (!HANDED_OUT.contains(port) && bindable(port)) {
                HANDED_OUT.add(port);
                return port;
            }
        }
        throw new IOException("no free port between " + LOWEST + " and " + ephemeralLow);
    }

    private static int fromKernel() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0)) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port)) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    /** The first port of Linux's ephemeral range; 32768 (its default) when it cannot be read. */
    static int ephemeralLow() {
        try {
            String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).trim();
            return Integer.parseInt(range.split("\\s+")[0]);
        } catch (IOException | RuntimeException unreadable) {
            return 32_768;
        }
    }
}
