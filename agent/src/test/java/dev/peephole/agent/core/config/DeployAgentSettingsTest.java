package dev.peephole.agent.core.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every {@code PEEPHOLE_AGENT_*} variable that {@code deploy/} (docker-compose, Kubernetes
 * manifests, the demo's Dockerfile) sets is one of the agent's settings. The collector's
 * {@code DeployManifestsTest} checks the collector's variables.
 */
class DeployAgentSettingsTest {

    private static final Set<String> AGENT_SETTINGS = Stream.of(Setting.values()).map(Setting::envVariable)
            .collect(Collectors.toSet());

    private static Path deploy() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !(Files.isDirectory(p.resolve("deploy")) && Files.isRegularFile(p.resolve("pom.xml")))) {
            p = p.getParent();
        }
        assertThat(p).as("a deploy/ folder above the agent module").isNotNull();
        return p.resolve("deploy");
    }

    @Test
    void everyAgentVariableInTheDeployFilesIsAnAgentSetting() throws Exception {
        Map<String, String> set = new LinkedHashMap<>(); // variable -> where
        YAMLMapper yaml = new YAMLMapper();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(deploy())) {
            files = walk.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().collect(Collectors.toList());
        }
        for (Path f : files) {
            try (MappingIterator<JsonNode> docs = yaml.readerFor(JsonNode.class).readValues(f.toFile())) {
                while (docs.hasNext()) {
                    JsonNode d = docs.next();
                    if (d == null) {
                        continue;
                    }
                    // compose: services.*.environment (a map or a list of K=V)
                    d.path("services").forEach(s -> {
                        JsonNode env = s.path("environment");
                        if (env.isObject()) {
                            env.fieldNames().forEachRemaining(k -> set.put(k, f.toString()));
                        } else {
                            env.forEach(kv -> set.put(kv.asText().split("=", 2)[0], f.toString()));
                        }
                    });
                    // Kubernetes: containers' env and ConfigMap data
                    List<JsonNode> containers = new ArrayList<>();
                    d.at("/spec/template/spec/containers").forEach(containers::add);
                    d.at("/spec/template/spec/initContainers").forEach(containers::add);
                    containers.forEach(c -> c.path("env").forEach(e -> set.put(e.path("name").asText(), f.toString())));
                    if ("ConfigMap".equals(d.path("kind").asText())) {
                        d.path("data").fieldNames().forEachRemaining(k -> set.put(k, f.toString()));
                    }
                }
            }
        }
        Matcher env = Pattern.compile("(PEEPHOLE_AGENT_[A-Z0-9_]+)=").matcher(Files.readString(deploy().resolve("demo/Dockerfile")));
        while (env.find()) {
            set.put(env.group(1), "demo/Dockerfile");
        }
        List<String> agentVariables = set.keySet().stream().filter(k -> k.startsWith("PEEPHOLE_AGENT_")).collect(Collectors.toList());
        assertThat(agentVariables).contains("PEEPHOLE_AGENT_COLLECTOR", "PEEPHOLE_AGENT_TOKEN", "PEEPHOLE_AGENT_SERVICE");
        List<String> unknown = agentVariables.stream().filter(k -> !AGENT_SETTINGS.contains(k))
                .map(k -> k + " (" + set.get(k) + ")").collect(Collectors.toList());
        assertThat(unknown).as("PEEPHOLE_AGENT_* variables the agent does not know").isEmpty();
    }
}
