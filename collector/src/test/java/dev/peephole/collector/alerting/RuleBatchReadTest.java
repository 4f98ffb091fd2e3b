package dev.peephole.collector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.collector.db.ConnectionPool;
import dev.peephole.collector.ingest.LocalSample;
import dev.peephole.collector.ingest.LocalSeriesWriter;
import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.PrefetchedSeries;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.Series;
import dev.peephole.collector.support.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A group evaluation that reads its rules' samples in one go ({@link EngineRuleQuery#prepare},
 * {@code StoredSeriesSource.prefetch}) answers exactly as each rule reading its own samples, on
 * the real PostgreSQL with 1,000 series: counters with resets, gaps, series that stop, rows
 * written twice (a retried batch), and rules of every read shape (ranges, offsets, {@code @},
 * subqueries on a minute step, windows over an hour, selectors without a metric name, recording
 * rules read by later rules of the group, {@code ALERTS}); group evaluations a minute apart also
 * with the samples each group's previous read carried ({@code RuleReadCarryTest} tests the carry).
 */
class RuleBatchReadTest {
    private static final int JOBS = 30;
    private static final int INSTANCES_PER_JOB = 20;
    private static final int GAUGES = 400;
    private static final long STEP_MS = 30_000;
    private static final long SPAN_MS = 70 * 60_000L;

    private static EmbeddedServer perRule;
    private static EmbeddedServer batched;
    private static long end;

    private static EmbeddedServer start(String db) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.server.port", -1);
        props.put("peephole.db.url", db);
        props.put("peephole.db.user", "postgres");
        props.put("peephole.grpc.port", 0);
        props.put("peephole.agent.token", "t");
        props.put("peephole.admin.password", "batch-admin-1");
        props.put("peephole.default.rules", false);
        props.put("peephole.alerting.schedule", false);
        // No rollups: the two databases must not differ in how far theirs have got.
        props.put("peephole.rollup.interval", "0s");
        return ApplicationContext.run(EmbeddedServer.class, props);
    }

    @BeforeAll
    static void seedTwoIdenticalDatabases() throws Exception {
        end = System.currentTimeMillis() / 60_000 * 60_000 - 60_000;
        perRule = start(TestPostgres.newDatabase());
        batched = start(TestPostgres.newDatabase());
        seed(perRule);
        seed(batched);
    }

    @AfterAll
    static void stop() {
        if (perRule != null) {
            perRule.close();
        }
        if (batched != null) {
            batched.close();
        }
    }

    /** The same samples every time (a fixed seed), through the collector's own writer. */
    private static void seed(EmbeddedServer s) throws Exception {
        LocalSeriesWriter writer = s.getApplicationContext().getBean(LocalSeriesWriter.class);
        Random rnd = new Random(42);
        List<LocalSample> counters = new ArrayList<>();
        for (int j = 0; j < JOBS; j++) {
            for (int i = 0; i < INSTANCES_PER_JOB; i++) {
                int instance = j * INSTANCES_PER_JOB + i;
                Map<String, String> labels = Map.of("job", "j" + j, "instance", "i" + instance);
                double v = rnd.nextInt(100);
                // Some series stop 12 minutes early (absent from the last rounds' [5m] windows).
                long last = instance % 13 == 5 ? end - 12 * 60_000L : end;
                for (long t = end - SPAN_MS; t <= last; t += STEP_MS) {
                    if (instance % 7 == 3 && rnd.nextInt(5) == 0) {
                        continue; // gaps
                    }
                    v = rnd.nextInt(200) == 0 ? rnd.nextInt(3) : v + rnd.nextInt(4 + j % 5); // resets
                    counters.add(new LocalSample("rb_requests_total", labels, t, v));
                }
            }
            if (counters.size() > 20_000) {
                writer.write(counters, "counter", "test");
                counters.clear();
            }
        }
        writer.write(counters, "counter", "test");
        List<LocalSample> gauges = new ArrayList<>();
        for (int g = 0; g < GAUGES; g++) {
            Map<String, String> labels = Map.of("zone", "z" + g % 10, "host", "h" + g);
            double v = 50;
            for (long t = end - SPAN_MS; t <= end; t += STEP_MS) {
                v += rnd.nextGaussian() * 5;
                gauges.add(new LocalSample("rb_gauge", labels, t, v));
            }
        }
        writer.write(gauges, "gauge", "test");
        try (Connection c = s.getApplicationContext().getBean(ConnectionPool.class).dataSource().getConnection();
             Statement st = c.createStatement()) {
            // A retried batch: some rows stored twice.
            st.execute("INSERT INTO metric_points (series_id, t, v) SELECT p.series_id, p.t, p.v FROM metric_points p "
                    + "JOIN metric_series s ON s.id = p.series_id WHERE s.labels->>'job' = 'j3'");
            st.execute("ANALYZE metric_points");
        }
    }

    /** Expressions of every read shape; the {@code rb_requests_total} ones differ only in their job or instance. */
    private static List<String> expressions(long at) {
        List<String> e = new ArrayList<>();
        for (int j = 0; j < JOBS; j++) {
            e.add("sum by (job) (rate(rb_requests_total{job=\"j" + j + "\"}[5m])) > " + (j % 3 == 0 ? "0.05" : "1"));
            e.add("rate(rb_requests_total{instance=\"i" + (j * 37 % (JOBS * INSTANCES_PER_JOB)) + "\"}[5m]) > 0.1");
            e.add("increase(rb_requests_total{job=\"j" + j + "\",instance=~\"i[0-9]*1\"}[15m])");
        }
        e.add("resets(rb_requests_total{job=\"j2\"}[30m])");
        e.add("irate(rb_requests_total{job=\"j4\"}[5m])");
        e.add("changes(rb_gauge{zone=\"z1\"}[10m])");
        e.add("avg_over_time(rb_gauge{zone=\"z2\"}[10m]) > 50");
        e.add("stddev_over_time(rb_gauge{zone=\"z3\"}[30m])");
        e.add("predict_linear(rb_gauge{zone=\"z4\"}[30m], 3600) > 60");
        e.add("deriv(rb_gauge{zone=\"z5\"}[20m])");
        e.add("rb_gauge{zone=~\"z[67]\"} > 55");
        e.add("rb_gauge offset 5m < 45");
        e.add("rb_gauge{zone=\"z8\"} @ " + (at - 600_000) / 1000.0);
        e.add("topk(3, rb_gauge)");
        e.add("count(rb_requests_total)");
        e.add("count by (zone) (rb_gauge > 50) / count by (zone) (rb_gauge)");
        e.add("absent(rb_not_there)");
        e.add("absent_over_time(rb_requests_total{instance=\"i5\"}[5m])");
        e.add("max_over_time(rate(rb_requests_total{job=\"j5\"}[5m])[30m:1m])"); // minute-step subquery: live
        e.add("avg_over_time(rb_gauge{zone=\"z9\"}[2h])"); // over an hour: live
        e.add("{__name__=~\"rb_gauge|rb_requests_total\", zone=\"z0\"}"); // no exact name: live
        e.add("rb_gauge{zone=\"z1\"} + on() group_left() scalar(sum(rate(rb_requests_total[5m])))");
        return e;
    }

    @Test
    void eachRuleReadsTheSameFromTheBatchAsOnItsOwn() throws Exception {
        Engine engine = perRule.getApplicationContext().getBean(Engine.class);
        EngineRuleQuery live = new EngineRuleQuery(engine, false);
        int compared = 0;
        int nonEmpty = 0;
        for (long ts : new long[] {end - 20 * 60_000L, end - 7 * 60_000L + 13_000, end, end + 90_000}) {
            List<String> exprs = expressions(ts);
            RuleGroup.Query prepared = new EngineRuleQuery(engine, true).prepare(exprs, ts, Set.of("ALERTS"));
            assertThat(prepared).isInstanceOf(EngineRuleQuery.class);
            Engine snapshotEngine = ((EngineRuleQuery) prepared).engine();
            assertThat(snapshotEngine.source()).isInstanceOf(PrefetchedSeries.class);
            // Every rule's reads but the three left live (minute subquery, 2h window, no name).
            assertThat(((PrefetchedSeries) snapshotEngine.source()).size()).as("reads taken ahead")
                    .isGreaterThanOrEqualTo(exprs.size() - 3);
            for (String expr : exprs) {
                List<Sample> own = live.instant(expr, ts);
                List<Sample> fromBatch = prepared.instant(expr, ts);
                assertThat(fromBatch).as("%s at %d", expr, ts).isEqualTo(own);
                compared++;
                nonEmpty += own.isEmpty() ? 0 : 1;
            }
        }
        assertThat(compared).isGreaterThan(400);
        assertThat(nonEmpty).as("rules with a result").isGreaterThan(300);
    }

    private static final String RULES = """
            groups:
              - name: mixed
                rules:
                  - record: job:rb_requests:rate5m
                    expr: sum by (job) (rate(rb_requests_total[5m]))
                  - alert: JobBusy
                    expr: job:rb_requests:rate5m > 0.08
                    for: 2m
                    labels: {severity: page}
                    annotations: {summary: '{{ $labels.job }} at {{ $value | humanize }}'}
                  - alert: InstanceBusy
                    expr: rate(rb_requests_total{job=~"j1.*"}[5m]) > 0.1
                    for: 1m
                    keep_firing_for: 3m
                  - record: zone:rb_gauge:avg
                    expr: avg by (zone) (rb_gauge)
                  - alert: ZoneHot
                    expr: zone:rb_gauge:avg > 50 and on (zone) avg by (zone) (rb_gauge offset 5m) > 49
                  - alert: ManyFiring
                    expr: count(ALERTS{alertstate="firing"}) > 3
                  - alert: Stopped
                    expr: absent_over_time(rb_requests_total{instance="i5"}[5m])
              - name: independent
                rules:
            """;

    private static String rulesYaml() {
        StringBuilder y = new StringBuilder(RULES);
        for (int j = 0; j < JOBS; j++) {
            y.append("      - alert: Job").append(j).append("\n        expr: 'sum by (job) (rate(rb_requests_total{job=\"j")
                    .append(j).append("\"}[5m])) > ").append(j % 2 == 0 ? "0.08" : "0.1").append("'\n        for: 1m\n")
                    .append("        annotations: {value: '{{ $value }}'}\n");
            y.append("      - alert: Gauge").append(j).append("\n        expr: 'rb_gauge{host=\"h").append(j * 13)
                    .append("\"} > 52'\n");
        }
        return y.toString();
    }

    /** Everything an evaluation decides, as text: transitions, what goes to routing, each rule's health and alerts. */
    private static List<String> describe(RuleGroup g, RuleGroup.Outcome o) {
        List<String> out = new ArrayList<>();
        for (AlertingRule.Transition t : o.transitions()) {
            out.add("transition " + t.alert().labels() + " " + t.from() + "->" + t.to() + " @" + t.atMs() + " "
                    + t.alert().value() + " " + new TreeMap<>(t.alert().annotations()));
        }
        for (Alert a : o.toSend()) {
            out.add("send " + a.labels() + " " + a.state() + " " + a.activeAtMs() + " " + a.resolvedAtMs());
        }
        out.add("errors " + o.errors());
        for (RuleGroup.Rule r : g.rules()) {
            out.add("rule " + r.spec().name() + " " + r.health() + " " + r.lastError());
            if (r.alerting() != null) {
                for (Alert a : r.alerting().alerts()) {
                    out.add("  " + a.labels() + " " + a.state() + " " + a.value() + " " + a.activeAtMs() + " "
                            + a.firedAtMs() + " " + a.resolvedAtMs() + " " + new TreeMap<>(a.annotations()));
                }
            }
        }
        return out;
    }

    @Test
    void groupsEvaluateToTheSameAlertsAndRecordsBatchedAsPerRule() throws Exception {
        List<RuleGroupSpec> specs = RuleFileParser.parse("batch.yml", rulesYaml(), 60_000);
        List<RuleGroup> a = specs.stream().map(RuleGroup::new).toList();
        List<RuleGroup> b = specs.stream().map(RuleGroup::new).toList();
        EngineRuleQuery qa = new EngineRuleQuery(perRule.getApplicationContext().getBean(Engine.class), false);
        Engine engineB = batched.getApplicationContext().getBean(Engine.class);
        StoredRuleOutput outA = perRule.getApplicationContext().getBean(StoredRuleOutput.class);
        StoredRuleOutput outB = batched.getApplicationContext().getBean(StoredRuleOutput.class);
        ExecutorService workers = Executors.newFixedThreadPool(4);
        int transitions = 0;
        int firing = 0;
        try {
            for (long ts = end - 30 * 60_000L; ts <= end + 2 * 60_000L; ts += 60_000) {
                for (int k = 0; k < specs.size(); k++) {
                    RuleGroup.Outcome oa = a.get(k).evaluate(ts, qa, outA, AlertingRule.TemplateContext.NONE, workers);
                    // Batched as the RuleManager does: with what the group's previous read carried.
                    EngineRuleQuery qb = new EngineRuleQuery(engineB, true, b.get(k).readCarry());
                    RuleGroup.Outcome ob = b.get(k).evaluate(ts, qb, outB, AlertingRule.TemplateContext.NONE, workers);
                    assertThat(describe(b.get(k), ob)).as("group %s at %d", specs.get(k).name(), ts)
                            .isEqualTo(describe(a.get(k), oa));
                    assertThat(oa.errors()).as("rule errors in %s: %s", specs.get(k).name(), describe(a.get(k), oa))
                            .isZero();
                    transitions += oa.transitions().size();
                    firing += (int) oa.toSend().stream().filter(x -> x.state() == AlertState.FIRING).count();
                }
            }
        } finally {
            workers.shutdownNow();
        }
        assertThat(transitions).as("alert transitions seen").isGreaterThan(20);
        assertThat(firing).as("firing alerts sent").isGreaterThan(20);
        // What the groups wrote (recording rules, ALERTS) is the same in both databases.
        String written = "{__name__=~\"job:rb_requests:rate5m|zone:rb_gauge:avg|ALERTS\"}";
        List<Series> writtenA = perRule.getApplicationContext().getBean(Engine.class)
                .rangeQuery(written, end - 30 * 60_000L, end + 2 * 60_000L, 60_000).matrix();
        List<Series> writtenB = engineB.rangeQuery(written, end - 30 * 60_000L, end + 2 * 60_000L, 60_000).matrix();
        assertThat(writtenA).as("recorded and ALERTS series").hasSizeGreaterThan(JOBS);
        assertThat(writtenB).isEqualTo(writtenA);
    }
}
