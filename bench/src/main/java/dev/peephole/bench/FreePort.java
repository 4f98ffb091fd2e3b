package dev.peephole.bench;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Prints N free TCP ports, one a line, for run-ingest.sh: {@code FreePort [N]}. */
public final class FreePort {

    private FreePort() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        List<ServerSocket> held = new ArrayList<>();
        try {
            // Held open together so the N ports differ.
            for (int i = 0; i < n; i++) {
                held.add(new ServerSocket(0));
            }
            for (ServerSocket s : held) {
                System.out.println(s.getLocalPort());
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
    }
}
