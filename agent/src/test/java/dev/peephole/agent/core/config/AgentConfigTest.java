package dev.peephole.agent.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @TempDir
    Path dir;

    @Test
    void argumentsThenSystemPropertiesThenEnvironmentThenFileThenDefaults() throws Exception {
        Path file = dir.resolve("agent.yaml");
        Files.writeString(file, "collector: file-host:1\nservice: from-file\ntoken: file-token\n"
                + "sampling:\n  ratio: 0.25\nbatch.interval: 3s\nheartbeat:\n  interval: 7s\n"
                + "resource:\n  deployment.environment: test\n"
                + "rules:\n  - name: r1\n    class: a.B\n    method: m\n");
        Properties sys = new Properties();
        sys.setProperty("peephole.agent.service", "from-sysprop");
        sys.setProperty("peephole.agent.token", "sys-token");
        Map<String, String> env = new HashMap<>();
        env.put("PEEPHOLE_AGENT_TOKEN", "env-token");
        env.put("PEEPHOLE_AGENT_SAMPLING_RATIO", "0.5");
        env.put("PEEPHOLE_AGENT_BATCH_INTERVAL", "2s");

        AgentConfig c = AgentConfig.load("collector=arg-host:9,config=" + file, sys, env);

        assertThat(c.get(Setting.COLLECTOR)).isEqualTo("arg-host:9");
        assertThat(c.get(Setting.SERVICE)).isEqualTo("from-sysprop");
        assertThat(c.get(Setting.TOKEN)).isEqualTo("sys-token");
        assertThat(c.getDouble(Setting.SAMPLING_RATIO)).isEqualTo(0.5);
        assertThat(c.getDuration(Setting.BATCH_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.getDuration(Setting.HEARTBEAT_INTERVAL)).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.getInt(Setting.QUEUE_MAX_SPANS)).isEqualTo(10000);
        assertThat(c.fileRules()).hasSize(1);
        assertThat(c.resourceAttributes()).containsEntry("deployment.environment", "test");
    }

    @Test
    void aMissingConfigFileOrBadValuesFallBackToDefaults() {
        AgentConfig c = AgentConfig.load("config=/nonexistent/agent.yaml,sampling.ratio=lots,nonsense=1,noequals",
                new Properties(), Map.of());
        assertThat(c.getDouble(Setting.SAMPLING_RATIO)).isEqualTo(1.0);
        assertThat(c.get(Setting.COLLECTOR)).isEqualTo("localhost:9317");
        assertThat(c.fileRules()).isEmpty();
    }

    @Test
    void durations() {
        assertThat(AgentConfig.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(AgentConfig.parseDuration("1.5s")).isEqualTo(Duration.ofMillis(1500));
        assertThat(AgentConfig.parseDuration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(AgentConfig.parseDuration("3")).isEqualTo(Duration.ofSeconds(3));
        assertThat(AgentConfig.parseDuration("x")).isNull();
    }

    @Test
    void everySettingHasAnEnvironmentAndSystemPropertyForm() {
        assertThat(Setting.SAMPLING_RATIO.envVariable()).isEqualTo("PEEPHOLE_AGENT_SAMPLING_RATIO");
        assertThat(Setting.AGENT_ID.systemProperty()).isEqualTo("peephole.agent.agent.id");
    }
}
