package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The same rule and unit-test files run through the real {@code promtool test rules}
 * (Debian package prometheus, installed by ./peephole test) and through Peephole's rule
 * evaluation: both must accept every {@code *.test.yml} and both must reject the deliberately
 * wrong {@code *.fails.yml}. Peephole runs each file twice: every rule reading its own samples,
 * and each group evaluation reading ahead, in one go, what its rules need (recording rules'
 * output and ALERTS still read live), with the same outcome.
 */
class AlertRuleSemanticsTest {

    /** The test files, with the shipped default rules copied beside them for doorbell.test.yml. */
    static Path dir() throws URISyntaxException, IOException {
        Path dir = Path.of(AlertRuleSemanticsTest.class.getResource("/alerting/promtool").toURI());
        Files.writeString(dir.resolve(DefaultRules.RESOURCE), DefaultRules.text());
        return dir;
    }

    static Stream<Path> passing() throws Exception {
        return testFiles(".test.yml");
    }

    static Stream<Path> failing() throws Exception {
        return testFiles(".fails.yml");
    }

    private static Stream<Path> testFiles(String suffix) throws Exception {
        try (Stream<Path> files = Files.list(dir())) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("passing")
    void promtoolAndPeepholeAgree(Path file) throws Exception {
        Promtool result = promtool(file);
        assertThat(result.exitCode).as("promtool test rules %s:%n%s", file.getFileName(), result.output).isZero();
        List<String> failures = PromtoolRuleTestRunner.run(file, false);
        assertThat(failures).as("Peephole on %s", file.getFileName()).isEmpty();
        List<String> batched = PromtoolRuleTestRunner.run(file, true);
        assertThat(batched).as("Peephole on %s, a group's reads taken ahead in one go", file.getFileName()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("failing")
    void bothRejectAWrongExpectation(Path file) throws Exception {
        Promtool result = promtool(file);
        assertThat(result.exitCode).as("promtool on %s:%n%s", file.getFileName(), result.output).isNotZero();
        assertThat(PromtoolRuleTestRunner.run(file, false)).as("Peephole on %s", file.getFileName()).isNotEmpty();
        assertThat(PromtoolRuleTestRunner.run(file, true)).as("Peephole on %s, batched", file.getFileName()).isNotEmpty();
    }

    @Test
    void theShippedDefaultRulesParse() throws Exception {
        assertThat(DefaultRules.load(60_000)).isNotEmpty();
    }

    record Promtool(int exitCode, String output) {
    }

    static Promtool promtool(Path file) throws IOException, InterruptedException {
        Path bin = Path.of("/usr/bin/promtool");
        assertThat(bin).as("promtool is installed by ./peephole test (Debian package prometheus)").exists();
        Process p = new ProcessBuilder(bin.toString(), "test", "rules", file.getFileName().toString())
                .directory(file.getParent().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Promtool(p.exitValue(), out);
    }
}
