package dev.peephole.collector.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.peephole.collector.config.CollectorSettings;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;

/**
 * The container and Kubernetes files in {@code deploy/}, checked statically (no Docker engine
 * or cluster runs here): every YAML file parses (all documents), every {@code PEEPHOLE_*}
 * variable they set is a setting the collector knows ({@code PEEPHOLE_AGENT_*} ones are the
 * agent's: {@code DeployAgentSettingsTest} in the agent module checks those), ports are the
 * contract's, probes point at {@code /ready} and {@code /health}, secrets come from a Secret
 * (or, in compose, from the caller's environment), and the Dockerfiles run the jars the build
 * makes. The Prometheus configuration passes {@code promtool check config}.
 */
class DeployManifestsTest {

    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The contract's ports: HTTP, agent gRPC, OTLP gRPC, OTLP HTTP. */
    private static final Set<Integer> COLLECTOR_PORTS = Set.of(8080, 9317, 4317, 4318);
    private static final Set<String> COLLECTOR_SETTINGS = CollectorSettings.ALL.stream()
            .map(CollectorSettings.Setting::env).collect(Collectors.toSet());
    private static final Set<String> SECRET_SETTINGS = CollectorSettings.ALL.stream()
            .filter(CollectorSettings.Setting::secret).map(CollectorSettings.Setting::env).collect(Collectors.toSet());

    private final Path deploy = DeployFiles.deploy();

    // ------------------------------------------------------------------ YAML

    static List<JsonNode> documents(Path file) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private List<Path> yamlFiles() throws Exception {
        try (Stream<Path> files = Files.walk(deploy)) {
            return files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        }
    }

    private List<JsonNode> k8s() throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (Stream<Path> files = Files.walk(deploy.resolve("k8s"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                docs.addAll(documents(p));
            }
        }
        return docs;
    }

    private static JsonNode one(List<JsonNode> docs, String kind, String name) {
        List<JsonNode> found = docs.stream().filter(d -> kind.equals(d.path("kind").asText())
                && name.equals(d.at("/metadata/name").asText())).toList();
        assertThat(found).as(kind + " " + name).hasSize(1);
        return found.get(0);
    }

    private static List<JsonNode> containers(JsonNode workload) {
        List<JsonNode> out = new ArrayList<>();
        workload.at("/spec/template/spec/initContainers").forEach(out::add);
        workload.at("/spec/template/spec/containers").forEach(out::add);
        return out;
    }

    private static JsonNode container(JsonNode workload, String name) {
        return containers(workload).stream().filter(c -> name.equals(c.path("name").asText())).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name + " in " + workload.at("/metadata/name")));
    }

    private static JsonNode env(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        throw new AssertionError(container.path("name").asText() + " does not set " + name);
    }

    /** Compose's environment, as a map (it may be written as a map or as a list of K=V). */
    private static Map<String, String> composeEnv(JsonNode service) {
        Map<String, String> out = new LinkedHashMap<>();
        JsonNode env = service.path("environment");
        if (env.isObject()) {
            env.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        } else {
            for (JsonNode kv : env) {
                String s = kv.asText();
                out.put(s.contains("=") ? s.substring(0, s.indexOf('=')) : s, s.contains("=") ? s.substring(s.indexOf('=') + 1) : null);
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ Dockerfiles

    /** One Dockerfile instruction (continuation lines joined), with the stage it belongs to. */
    record Instruction(String stage, String keyword, String args) {
    }

    static List<Instruction> dockerfile(Path file) throws Exception {
        List<Instruction> out = new ArrayList<>();
        String stage = null;
        int n = 0;
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            String t = line.strip();
            if (current.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
                continue;
            }
            if (!current.isEmpty() && t.startsWith("#")) {
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            String full = current.toString().strip();
            current.setLength(0);
            int sp = full.indexOf(' ');
            String keyword = full.substring(0, sp).toUpperCase(java.util.Locale.ROOT);
            String args = full.substring(sp + 1).strip();
            if (keyword.equals("FROM")) {
                Matcher m = Pattern.compile("(?i).*\\sAS\\s+(\\S+)$").matcher(args);
                stage = m.matches() ? m.group(1) : "stage" + n;
                n++;
            }
            out.add(new Instruction(stage, keyword, args));
        }
        return out;
    }

    private static List<Instruction> stage(List<Instruction> all, String stage) {
        return all.stream().filter(i -> stage.equals(i.stage())).toList();
    }

    private static Instruction last(List<Instruction> all, String keyword) {
        Instruction found = null;
        for (Instruction i : all) {
            if (i.keyword().equals(keyword)) {
                found = i;
            }
        }
        assertThat(found).as("a " + keyword).isNotNull();
        return found;
    }

    private static List<String> execForm(Instruction i) throws Exception {
        assertThat(i.args()).as(i.keyword() + " in exec (JSON) form").startsWith("[");
        return JSON.readValue(i.args(), JSON.getTypeFactory().constructCollectionType(List.class, String.class));
    }

    private static Map<String, String> envOf(List<Instruction> instructions) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Instruction i : instructions) {
            if (i.keyword().equals("ENV")) {
                Matcher m = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"[^\"]*\"|\\S+)").matcher(i.args());
                while (m.find()) {
                    out.put(m.group(1), m.group(2).replace("\"", ""));
                }
            }
        }
        return out;
    }

    /** The source of the COPY that puts {@code target} into the image. */
    private static String copySource(List<Instruction> instructions, String target) {
        for (Instruction i : instructions) {
            if (i.keyword().equals("COPY")) {
                String[] parts = i.args().split("\\s+");
                if (parts[parts.length - 1].equals(target)) {
                    return parts[parts.length - 2];
                }
            }
        }
        throw new AssertionError("nothing COPYs " + target);
    }

    private static String xpath(Path pom, String expr) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(expr,
                DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile())).strip();
    }

    // ------------------------------------------------------------------ tests

    @Test
    void everyYamlFileParsesAndEveryPeepholeVariableIsAKnownSetting() throws Exception {
        Map<String, List<String>> set = new LinkedHashMap<>(); // variable -> where
        int documents = 0;
        for (Path p : yamlFiles()) {
            List<JsonNode> docs = documents(p);
            assertThat(docs).as(p + " has documents").isNotEmpty();
            documents += docs.size();
        }
        assertThat(documents).isGreaterThanOrEqualTo(12);
        JsonNode compose = documents(deploy.resolve("docker-compose.yml")).get(0);
        compose.path("services").fields().forEachRemaining(s -> composeEnv(s.getValue()).keySet()
                .forEach(k -> set.computeIfAbsent(k, x -> new ArrayList<>()).add("compose " + s.getKey())));
        for (JsonNode d : k8s()) {
            if (d.path("kind").asText().equals("ConfigMap")) {
                d.path("data").fieldNames().forEachRemaining(k -> set.computeIfAbsent(k, x -> new ArrayList<>())
                        .add("ConfigMap " + d.at("/metadata/name").asText()));
            }
            for (JsonNode c : containers(d)) {
                for (JsonNode e : c.path("env")) {
                    set.computeIfAbsent(e.path("name").asText(), x -> new ArrayList<>()).add("container " + c.path("name").asText());
                }
            }
        }
        for (String f : List.of("collector/Dockerfile", "demo/Dockerfile")) {
            envOf(dockerfile(deploy.resolve(f))).keySet().forEach(k -> set.computeIfAbsent(k, x -> new ArrayList<>()).add(f));
        }
        List<String> unknown = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : set.entrySet()) {
            String name = e.getKey();
            boolean agents = name.startsWith("PEEPHOLE_AGENT_") && !name.equals("PEEPHOLE_AGENT_TOKEN");
            if (name.startsWith("PEEPHOLE_") && !agents && !COLLECTOR_SETTINGS.contains(name)) {
                unknown.add(name + " (" + e.getValue() + ")");
            }
        }
        assertThat(unknown).as("PEEPHOLE_* variables the collector does not know").isEmpty();
        // The files do set the collector's settings (the check above is not vacuous).
        assertThat(set).containsKeys("PEEPHOLE_DB_URL", "PEEPHOLE_DB_PASSWORD", "PEEPHOLE_ADMIN_PASSWORD",
                "PEEPHOLE_AGENT_TOKEN", "PEEPHOLE_HTTP_PORT", "PEEPHOLE_GRPC_PORT", "PEEPHOLE_DATA_DIR", "PEEPHOLE_AGENT_COLLECTOR");
    }

    @Test
    void theCollectorDockerfileBuildsInOneStageAndRunsTheBuiltJarAsANonRootUserCheckedOnReady() throws Exception {
        List<Instruction> all = dockerfile(deploy.resolve("collector/Dockerfile"));
        List<Instruction> froms = all.stream().filter(i -> i.keyword().equals("FROM")).toList();
        assertThat(froms).as("multi-stage").hasSizeGreaterThanOrEqualTo(2);
        assertThat(froms.get(0).args()).startsWith("maven:").contains("temurin-17");
        String runtime = froms.get(froms.size() - 1).stage();
        assertThat(froms.get(froms.size() - 1).args()).contains("17-jre");
        List<Instruction> run = stage(all, runtime);
        // The entry point is the jar the collector's build makes (its shade finalName).
        String finalName = xpath(DeployFiles.root().resolve("collector/pom.xml"), "//*[local-name()='finalName']");
        assertThat(finalName).isEqualTo("peephole-collector");
        assertThat(execForm(last(run, "ENTRYPOINT"))).containsExactly("java", "-jar", "/opt/peephole/" + finalName + ".jar");
        String source = copySource(run, "/opt/peephole/" + finalName + ".jar");
        assertThat(source).isEqualTo("/src/collector/target/" + finalName + ".jar");
        assertThat(run.stream().filter(i -> i.keyword().equals("COPY")).map(Instruction::args))
                .anyMatch(a -> a.startsWith("--from=" + froms.get(0).stage() + " "));
        // The build stage builds that module.
        assertThat(stage(all, froms.get(0).stage()).stream().filter(i -> i.keyword().equals("RUN")).map(Instruction::args))
                .anyMatch(a -> a.contains("mvn") && a.contains("-pl collector") && a.contains("package"));
        String user = last(run, "USER").args();
        assertThat(user).doesNotStartWith("root").doesNotStartWith("0:").isNotEqualTo("0");
        String health = last(run, "HEALTHCHECK").args();
        assertThat(health).contains("/ready").contains("${PEEPHOLE_HTTP_PORT}");
        assertThat(envOf(run)).containsEntry("PEEPHOLE_HTTP_PORT", "8080").containsEntry("PEEPHOLE_GRPC_PORT", "9317");
        Set<Integer> exposed = new java.util.HashSet<>();
        for (String port : last(run, "EXPOSE").args().split("\\s+")) {
            exposed.add(Integer.parseInt(port));
        }
        assertThat(exposed).isEqualTo(COLLECTOR_PORTS);
        // No secret is baked into the image.
        assertThat(envOf(all).keySet()).doesNotContainAnyElementsOf(SECRET_SETTINGS);
    }

    @Test
    void theDemoImageRunsTheDemoJarWithTheAgentJar() throws Exception {
        List<Instruction> all = dockerfile(deploy.resolve("demo/Dockerfile"));
        String agentJar = "peephole-agent.jar";
        assertThat(xpath(DeployFiles.root().resolve("agent/pom.xml"), "//*[local-name()='peephole.agent.jar']"))
                .endsWith("/" + agentJar);
        String demoJar = xpath(DeployFiles.root().resolve("doorbell-demo/pom.xml"), "//*[local-name()='finalName']") + ".jar";
        assertThat(demoJar).isEqualTo("doorbell-demo.jar");
        List<Instruction> demo = stage(all, "demo");
        List<String> entry = execForm(last(demo, "ENTRYPOINT"));
        assertThat(entry).containsExactly("java", "-javaagent:/opt/peephole/" + agentJar, "-jar", "/opt/doorbell/" + demoJar);
        assertThat(copySource(demo, "/opt/peephole/" + agentJar)).isEqualTo("/src/agent/target/" + agentJar);
        assertThat(copySource(stage(all, "app"), "/opt/doorbell/" + demoJar)).isEqualTo("/src/doorbell-demo/target/" + demoJar);
        assertThat(last(stage(all, "app"), "USER").args()).doesNotStartWith("root").doesNotStartWith("0");
        // The agent-only stage holds the jar where the Kubernetes init container copies it from.
        assertThat(copySource(stage(all, "agent"), "/opt/peephole/" + agentJar)).isEqualTo("/src/agent/target/" + agentJar);
        JsonNode init = container(one(k8s(), "Deployment", "doorbell-demo"), "peephole-agent");
        assertThat(JSON.convertValue(init.path("command"), List.class)).contains("/opt/peephole/" + agentJar);
    }

    @Test
    void composeWiresTheServicesOnTheContractsPortsWithSecretsFromTheEnvironment() throws Exception {
        JsonNode compose = documents(deploy.resolve("docker-compose.yml")).get(0);
        JsonNode services = compose.path("services");
        assertThat(iterableNames(services)).contains("collector", "timescaledb", "jaeger", "prometheus", "grafana", "demo");
        assertThat(services.at("/timescaledb/image").asText()).startsWith("timescale/timescaledb:");
        // Build recipes and bind-mounted files exist.
        for (Map.Entry<String, JsonNode> s : iterable(services)) {
            JsonNode build = s.getValue().path("build");
            if (!build.isMissingNode()) {
                Path context = deploy.resolve(build.path("context").asText()).normalize();
                assertThat(context.resolve(build.path("dockerfile").asText())).as(s.getKey()).isRegularFile();
            }
            for (JsonNode v : s.getValue().path("volumes")) {
                String spec = v.asText();
                if (spec.startsWith("./")) {
                    assertThat(deploy.resolve(spec.substring(0, spec.indexOf(':')))).as(s.getKey() + " " + spec).exists();
                }
            }
        }
        JsonNode collector = services.path("collector");
        Set<Integer> published = new java.util.HashSet<>();
        for (JsonNode p : collector.path("ports")) {
            String[] parts = p.asText().split(":");
            published.add(Integer.parseInt(parts[parts.length - 1]));
        }
        assertThat(published).isEqualTo(COLLECTOR_PORTS);
        Map<String, String> env = composeEnv(collector);
        assertThat(env).containsEntry("PEEPHOLE_HTTP_PORT", "8080").containsEntry("PEEPHOLE_GRPC_PORT", "9317");
        assertThat(env.get("PEEPHOLE_DB_URL")).isEqualTo("jdbc:postgresql://timescaledb:5432/"
                + composeEnv(services.path("timescaledb")).get("POSTGRES_DB"));
        assertThat(env.get("PEEPHOLE_DB_USER")).isEqualTo(composeEnv(services.path("timescaledb")).get("POSTGRES_USER"));
        // Secrets: never written in the file, always the caller's environment.
        for (Map.Entry<String, JsonNode> s : iterable(services)) {
            for (Map.Entry<String, String> e : composeEnv(s.getValue()).entrySet()) {
                if (SECRET_SETTINGS.contains(e.getKey()) || e.getKey().contains("PASSWORD") || e.getKey().endsWith("_TOKEN")) {
                    assertThat(e.getValue()).as(s.getKey() + " " + e.getKey()).startsWith("${").endsWith("}");
                }
            }
        }
        // The demo's agent reports to the collector's agent port with the collector's token.
        Map<String, String> demo = composeEnv(services.path("demo"));
        assertThat(demo).containsEntry("PEEPHOLE_AGENT_COLLECTOR", "collector:9317");
        assertThat(demo.get("PEEPHOLE_AGENT_TOKEN")).isEqualTo(env.get("PEEPHOLE_AGENT_TOKEN"));
        // Grafana's data sources reach the collector's HTTP port; its dashboards are where the provider looks.
        Map<String, String> grafana = composeEnv(services.path("grafana"));
        assertThat(grafana).containsEntry("COLLECTOR_URL", "http://collector:8080");
        String provider = documents(deploy.resolve("grafana/provisioning/dashboards/peephole.yaml")).get(0)
                .at("/providers/0/options/path").asText();
        assertThat(JSON.convertValue(services.at("/grafana/volumes"), List.class))
                .contains("./grafana/dashboards:" + provider + ":ro");
        // Prometheus scrapes the collector's HTTP port, with the admin password as a compose secret.
        JsonNode prom = documents(deploy.resolve("prometheus/prometheus.yml")).get(0);
        Map<String, JsonNode> jobs = new HashMap<>();
        prom.path("scrape_configs").forEach(j -> jobs.put(j.path("metrics_path").asText(), j));
        assertThat(jobs).containsKeys("/metrics", "/federate");
        assertThat(jobs.get("/federate").path("honor_labels").asBoolean()).isTrue();
        assertThat(jobs.get("/federate").at("/params/match[]").size()).isPositive();
        for (JsonNode job : jobs.values()) {
            assertThat(job.at("/static_configs/0/targets/0").asText()).isEqualTo("collector:8080");
            String file = job.at("/basic_auth/password_file").asText();
            assertThat(file).startsWith("/run/secrets/");
            String secret = file.substring("/run/secrets/".length());
            assertThat(JSON.convertValue(services.at("/prometheus/secrets"), List.class)).contains(secret);
            assertThat(compose.at("/secrets/" + secret + "/environment").asText()).isEqualTo("PEEPHOLE_ADMIN_PASSWORD");
        }
    }

    @Test
    void kubernetesCollectorHasReplicasProbesResourcesConfigMapAndSecretServiceAndHpa() throws Exception {
        List<JsonNode> docs = k8s();
        JsonNode deployment = one(docs, "Deployment", "peephole-collector");
        assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
        JsonNode c = container(deployment, "collector");
        assertThat(c.path("image").asText()).startsWith("peephole/collector");
        // Ports: the contract's, named.
        Map<String, Integer> ports = new HashMap<>();
        c.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertThat(Set.copyOf(ports.values())).isEqualTo(COLLECTOR_PORTS);
        assertThat(ports).containsEntry("http", 8080).containsEntry("grpc", 9317);
        // Probes: readiness on /ready, liveness on /health, both on the HTTP port.
        assertThat(c.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/ready");
        assertThat(c.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health");
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
            JsonNode port = c.path(probe).at("/httpGet/port");
            assertThat(port.isInt() ? port.asInt() : ports.get(port.asText())).as(probe).isEqualTo(8080);
        }
        for (String r : List.of("/resources/requests/cpu", "/resources/requests/memory", "/resources/limits/memory")) {
            assertThat(c.at(r).asText()).as(r).isNotEmpty();
        }
        assertThat(deployment.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
        // Config from a ConfigMap that exists, on the contract's ports; nothing secret in it.
        String configMap = c.at("/envFrom/0/configMapRef/name").asText();
        JsonNode config = one(docs, "ConfigMap", configMap).path("data");
        assertThat(config.path("PEEPHOLE_HTTP_PORT").asText()).isEqualTo("8080");
        assertThat(config.path("PEEPHOLE_GRPC_PORT").asText()).isEqualTo("9317");
        assertThat(config.path("PEEPHOLE_DB_URL").asText()).startsWith("jdbc:postgresql://");
        // Secrets from the Secret, by keys it has.
        JsonNode secret = one(docs, "Secret", "peephole-secrets");
        for (JsonNode d : docs) {
            if (d.path("kind").asText().equals("ConfigMap")) {
                assertThat(Set.copyOf(iterableNames(d.path("data")))).as("secrets in ConfigMap " + d.at("/metadata/name"))
                        .doesNotContainAnyElementsOf(SECRET_SETTINGS);
            }
            for (JsonNode container : containers(d)) {
                for (JsonNode e : container.path("env")) {
                    String name = e.path("name").asText();
                    if (SECRET_SETTINGS.contains(name) || name.contains("PASSWORD") || name.endsWith("_TOKEN")) {
                        assertThat(e.has("value")).as(container.path("name") + " " + name + " written in the manifest").isFalse();
                        JsonNode ref = e.at("/valueFrom/secretKeyRef");
                        assertThat(ref.path("name").asText()).as(name).isEqualTo("peephole-secrets");
                        assertThat(secret.path("stringData").has(ref.path("key").asText())
                                || secret.path("data").has(ref.path("key").asText())).as(name + " key").isTrue();
                    }
                }
            }
        }
        for (String s : SECRET_SETTINGS) {
            env(c, s); // every secret setting is given, from the Secret (checked above)
        }
        // The Service: the contract's ports onto the container's named ports, selecting the pods.
        JsonNode service = one(docs, "Service", "peephole-collector");
        Map<Integer, String> servicePorts = new HashMap<>();
        service.at("/spec/ports").forEach(p -> servicePorts.put(p.path("port").asInt(), p.path("targetPort").asText()));
        assertThat(servicePorts.keySet()).isEqualTo(COLLECTOR_PORTS);
        servicePorts.forEach((port, target) -> assertThat(ports.get(target)).as("Service port " + port).isEqualTo(port));
        JsonNode podLabels = deployment.at("/spec/template/metadata/labels");
        service.at("/spec/selector").fields().forEachRemaining(l ->
                assertThat(podLabels.path(l.getKey()).asText()).as("selector " + l.getKey()).isEqualTo(l.getValue().asText()));
        // The HPA scales that Deployment, never below its replicas.
        JsonNode hpa = one(docs, "HorizontalPodAutoscaler", "peephole-collector");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(hpa.at("/spec/scaleTargetRef/name").asText()).isEqualTo("peephole-collector");
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(hpa.at("/spec/maxReplicas").asInt()).isGreaterThan(hpa.at("/spec/minReplicas").asInt());
        // The database the ConfigMap names is the TimescaleDB Service here.
        JsonNode db = one(docs, "Service", "timescaledb");
        assertThat(config.path("PEEPHOLE_DB_URL").asText()).startsWith("jdbc:postgresql://timescaledb."
                + db.at("/metadata/namespace").asText() + ".svc:" + db.at("/spec/ports/0/port").asInt() + "/");
    }

    @Test
    void kubernetesDemoGetsTheAgentFromAnInitContainerThroughASharedVolume() throws Exception {
        List<JsonNode> docs = k8s();
        JsonNode demo = one(docs, "Deployment", "doorbell-demo");
        JsonNode init = demo.at("/spec/template/spec/initContainers/0");
        JsonNode app = container(demo, "doorbell-demo");
        String volume = init.at("/volumeMounts/0/name").asText();
        boolean emptyDir = false;
        for (JsonNode v : demo.at("/spec/template/spec/volumes")) {
            emptyDir |= volume.equals(v.path("name").asText()) && v.has("emptyDir");
        }
        assertThat(emptyDir).as("the agent volume is an emptyDir").isTrue();
        String initPath = init.at("/volumeMounts/0/mountPath").asText();
        List<?> command = JSON.convertValue(init.path("command"), List.class);
        assertThat(command.get(command.size() - 1).toString()).startsWith(initPath + "/");
        String appPath = null;
        for (JsonNode m : app.path("volumeMounts")) {
            if (volume.equals(m.path("name").asText())) {
                appPath = m.path("mountPath").asText();
            }
        }
        assertThat(appPath).as("the app mounts the agent volume").isNotNull();
        String jar = command.get(command.size() - 1).toString().substring(initPath.length());
        assertThat(env(app, "JAVA_TOOL_OPTIONS").path("value").asText()).isEqualTo("-javaagent:" + appPath + jar);
        // The agent reports to the collector Service's agent port.
        JsonNode service = one(docs, "Service", "peephole-collector");
        assertThat(env(app, "PEEPHOLE_AGENT_COLLECTOR").path("value").asText()).isEqualTo(service.at("/metadata/name").asText()
                + "." + service.at("/metadata/namespace").asText() + ".svc:9317");
        assertThat(env(app, "PEEPHOLE_AGENT_TOKEN").at("/valueFrom/secretKeyRef/key").asText())
                .isEqualTo(env(container(one(docs, "Deployment", "peephole-collector"), "collector"), "PEEPHOLE_AGENT_TOKEN")
                        .at("/valueFrom/secretKeyRef/key").asText());
        assertThat(app.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/api/health");
    }

    @Test
    void promtoolAcceptsThePrometheusConfiguration() throws Exception {
        String promtool = null;
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, "promtool"))) {
                promtool = Path.of(d, "promtool").toString();
            }
        }
        assertThat(promtool).as("promtool (Debian package prometheus, installed by ./peephole test)").isNotNull();
        Process p = new ProcessBuilder(promtool, "check", "config", deploy.resolve("prometheus/prometheus.yml").toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    // ------------------------------------------------------------------ small helpers

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode object) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        object.fields().forEachRemaining(out::add);
        return out;
    }

    private static List<String> iterableNames(JsonNode object) {
        List<String> out = new ArrayList<>();
        object.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
