package dev.peephole.collector;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peephole.collector.support.FreePorts;
import dev.peephole.collector.support.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 5: rule files are re-read on SIGHUP. The packaged collector runs as a process with a
 * rules file; the file is rewritten with the same size and its old modification time put back,
 * so the 5-second change check cannot see the edit: only the SIGHUP sent afterwards makes the
 * new rule appear in {@code /api/v1/rules}, and the process keeps running (SIGHUP does not stop it).
 */
class RulesSighupReloadIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "it-sighup-admin-1";

    @TempDir
    Path dir;

    private static String rules(String alertName) {
        return "groups:\n"
                + "  - name: sighup\n"
                + "    interval: 1s\n"
                + "    rules:\n"
                + "      - alert: " + alertName + "\n"
                + "        expr: vector(1)\n";
    }

    @Test
    void sighupReloadsAnEditTheFileCheckCannotSee() throws Exception {
        Path jar = Path.of("target", "peephole-collector.jar").toAbsolutePath();
        assertThat(jar).exists();
        Path rulesFile = dir.resolve("rules.yml");
        Files.writeString(rulesFile, rules("SighupAlpha"));
        FileTime written = Files.getLastModifiedTime(rulesFile);
        int[] ports = {FreePorts.next(), FreePorts.next(), FreePorts.next(), FreePorts.next()};
        Path log = dir.resolve("collector.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PEEPHOLE_"));
        pb.environment().put("PEEPHOLE_HTTP_PORT", Integer.toString(ports[0]));
        pb.environment().put("PEEPHOLE_GRPC_PORT", Integer.toString(ports[1]));
        pb.environment().put("PEEPHOLE_OTLP_GRPC_PORT", Integer.toString(ports[2]));
        pb.environment().put("PEEPHOLE_OTLP_HTTP_PORT", Integer.toString(ports[3]));
        pb.environment().put("PEEPHOLE_DATA_DIR", dir.resolve("data").toString());
        pb.environment().put("PEEPHOLE_ADMIN_PASSWORD", PASSWORD);
        pb.environment().put("PEEPHOLE_RULES", rulesFile.toString());
        pb.environment().put("PEEPHOLE_DEFAULT_RULES", "false");
        Process p = pb.start();
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + ports[0];
        try {
            waitFor(() -> ruleNames(http, base).contains("SighupAlpha"), 180, log);

            // Same length, same size; the old time put back: the periodic check sees no change.
            Files.writeString(rulesFile, rules("SighupBravo"));
            Files.setLastModifiedTime(rulesFile, written);
            // Longer than two periodic checks (every 5 s): the edit stays unseen without a signal.
            long unseenUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
            while (System.nanoTime() < unseenUntil) {
                assertThat(ruleNames(http, base)).containsExactly("SighupAlpha");
                Thread.sleep(1000);
            }

            if (sighupIgnored(p.pid())) {
                // Started under nohup (the test JVM ignored SIGHUP and its child inherits that): no
                // signal can reach the collector, which must say so at start-up instead.
                assertThat(Files.readString(log)).contains(dev.peephole.collector.alerting.RuleManager.SIGHUP_IGNORED);
                org.junit.jupiter.api.Assumptions.abort("SIGHUP is ignored in this process tree (nohup?): "
                        + "the reload on a signal cannot be tried; the collector's warning was checked");
            }
            assertThat(Files.readString(log)).doesNotContain(dev.peephole.collector.alerting.RuleManager.SIGHUP_IGNORED);
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            waitFor(() -> ruleNames(http, base).equals(List.of("SighupBravo")), 60, log);
            assertThat(p.isAlive()).isTrue();
        } finally {
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** Whether the process ignores SIGHUP (bit 0 of the SigIgn mask in /proc/PID/status, Linux). */
    private static boolean sighupIgnored(long pid) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & 1) != 0;
            }
        }
        return false;
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, int seconds, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("condition not met within " + seconds + " s; collector log:\n" + Files.readString(log));
    }

    /** The names of the rules /api/v1/rules lists now (empty until the collector is ready). */
    private static List<String> ruleNames(HttpClient http, String base) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/rules"))
                .header("Authorization", Http.basic("admin", PASSWORD)).build(), HttpResponse.BodyHandlers.ofString());
        List<String> names = new ArrayList<>();
        if (r.statusCode() != 200) {
            return names;
        }
        for (JsonNode g : JSON.readTree(r.body()).path("data").path("groups")) {
            for (JsonNode rule : g.path("rules")) {
                names.add(rule.path("name").asText());
            }
        }
        return names;
    }
}
