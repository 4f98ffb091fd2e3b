package dev.peephole.collector.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.prometheus.BuildVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The start-up check: one line naming the wrong setting and why; right settings pass. */
class SettingsCheckTest {

    @TempDir
    Path dir;

    private static Optional<String> env(Map<String, String> env) {
        return SettingsCheck.check(env, new Properties());
    }

    @Test
    void rightSettingsAndForeignVariablesPass() throws Exception {
        Path rules = Files.writeString(dir.resolve("rules.yml"), "groups: []\n");
        Path notify = Files.writeString(dir.resolve("notify.yml"), "route: {receiver: x}\n");
        assertThat(env(Map.of(
                "PEEPHOLE_HTTP_PORT", "8081",
                "PEEPHOLE_GRPC_PORT", "0",
                "PEEPHOLE_RETENTION_POINTS", "3d",
                "PEEPHOLE_QUERY_TIMEOUT", "PT90S",
                "PEEPHOLE_DEFAULT_RULES", "false",
                "PEEPHOLE_DB_POOL_SIZE", "4",
                "PEEPHOLE_RULES", rules.toString(),
                "PEEPHOLE_NOTIFY_CONFIG", notify.toString(),
                "PEEPHOLE_LOG_FORMAT", "json",
                "HOME", "/root"))).isEmpty();
        // the agent's variables are not the collector's to refuse; the OTLP port is a collector setting
        assertThat(env(Map.of("PEEPHOLE_AGENT_SAMPLING_RATIO", "0.5", "PEEPHOLE_OTLP_GRPC_PORT", "4317",
                "PEEPHOLE_RULES", dir.toString()))).isEmpty();
        assertThat(env(Map.of())).isEmpty();
    }

    @Test
    void anUnknownPeepholeVariableIsNamed() {
        assertThat(env(Map.of("PEEPHOLE_HTTP_PROT", "8080")))
                .hasValue("PEEPHOLE_HTTP_PROT: unknown setting (java -jar peephole-collector.jar --help lists them)");
    }

    @Test
    void portsOutOfRangeOrNotNumbersAreRefused() {
        assertThat(env(Map.of("PEEPHOLE_HTTP_PORT", "70000")))
                .hasValue("PEEPHOLE_HTTP_PORT=\"70000\": port out of range (0 to 65535)");
        assertThat(env(Map.of("PEEPHOLE_GRPC_PORT", "-1"))).hasValueSatisfying(m -> assertThat(m).contains("out of range"));
        assertThat(env(Map.of("PEEPHOLE_GRPC_PORT", "nine"))).hasValue("PEEPHOLE_GRPC_PORT=\"nine\": not a port number");
        assertThat(env(Map.of("PEEPHOLE_OTLP_HTTP_PORT", "99999999999999"))).hasValueSatisfying(
                m -> assertThat(m).startsWith("PEEPHOLE_OTLP_HTTP_PORT").contains("out of range"));
    }

    @Test
    void malformedDurationsBooleansAndNumbersAreRefused() {
        assertThat(env(Map.of("PEEPHOLE_RETENTION_SPANS", "7 days")))
                .hasValue("PEEPHOLE_RETENTION_SPANS=\"7 days\": not a duration (e.g. 500ms, 30s, 5m, 12h, 7d)");
        assertThat(env(Map.of("PEEPHOLE_DEFAULT_RULES", "yes")))
                .hasValue("PEEPHOLE_DEFAULT_RULES=\"yes\": must be true or false");
        assertThat(env(Map.of("PEEPHOLE_INGEST_WRITERS", "two"))).hasValueSatisfying(
                m -> assertThat(m).startsWith("PEEPHOLE_INGEST_WRITERS=\"two\": not a whole number"));
        assertThat(env(Map.of("PEEPHOLE_LOG_FORMAT", "xml")))
                .hasValue("PEEPHOLE_LOG_FORMAT=\"xml\": must be auto, json or text");
    }

    @Test
    void systemPropertiesAreCheckedToo() {
        Properties p = new Properties();
        p.setProperty("peephole.http.port", "65536");
        assertThat(SettingsCheck.check(Map.of(), p)).hasValue(
                "PEEPHOLE_HTTP_PORT (system property peephole.http.port)=\"65536\": port out of range (0 to 65535)");
    }

    @Test
    void missingOrUnreadableRuleAndNotifyFilesAreRefused() throws Exception {
        assertThat(env(Map.of("PEEPHOLE_RULES", dir.resolve("nope.yml").toString())))
                .hasValue("PEEPHOLE_RULES=\"" + dir.resolve("nope.yml") + "\": no such file or folder");
        assertThat(env(Map.of("PEEPHOLE_NOTIFY_CONFIG", dir.toString())))
                .hasValue("PEEPHOLE_NOTIFY_CONFIG=\"" + dir + "\": not a file");
        Path locked = Files.writeString(dir.resolve("locked.yml"), "groups: []\n");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(locked)) { // root reads every file whatever its mode
            assertThat(env(Map.of("PEEPHOLE_RULES", locked.toString())))
                    .hasValue("PEEPHOLE_RULES=\"" + locked + "\": not readable");
        }
    }

    @Test
    void theMessageNeverRepeatsASecret() {
        for (CollectorSettings.Setting s : CollectorSettings.ALL) {
            if (s.secret()) {
                // secrets are text: every value passes, and no message could carry it
                assertThat(SettingsCheck.checkValue(s, "hunter2-secret")).isEmpty();
            }
        }
        assertThat(env(Map.of("PEEPHOLE_ADMIN_PASSWORD", "hunter2-secret", "PEEPHOLE_HTTP_PORT", "x")))
                .hasValueSatisfying(m -> assertThat(m).doesNotContain("hunter2"));
    }

    @Test
    void everyCheckedSettingHasAKindAndTheVersionIsKnown() {
        assertThat(SettingsCheck.kind(CollectorSettings.find("PEEPHOLE_HTTP_PORT").orElseThrow())).isEqualTo("port");
        assertThat(SettingsCheck.kind(CollectorSettings.find("PEEPHOLE_SESSION_TTL").orElseThrow())).isEqualTo("duration");
        assertThat(SettingsCheck.kind(CollectorSettings.find("PEEPHOLE_DATA_DIR").orElseThrow())).isEqualTo("text");
        assertThat(BuildVersion.describe()).startsWith("peephole-collector " + BuildVersion.VERSION + " (built ")
                .contains("Java " + Runtime.version());
        assertThat(BuildVersion.VERSION).isNotEqualTo("unknown").doesNotContain("${");
        assertThat(CollectorSettings.helpText()).contains("--version").contains("PEEPHOLE_LOG_FORMAT");
    }
}
