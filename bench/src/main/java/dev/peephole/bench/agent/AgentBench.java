package dev.peephole.bench.agent;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The per-call cost of a woven method: {@link AgentCallBench} in one forked JVM per variant,
 * one after another in one run, and a table of ns/op and the cost each variant adds to the
 * first (the plain JVM).
 *
 * <pre>
 * java -cp peephole-bench.jar dev.peephole.bench.agent.AgentBench \
 *   --variant none= \
 *   --variant peephole=-javaagent:peephole-agent.jar=collector=...,config=rules.yaml \
 *   --variant otel=-javaagent:opentelemetry-javaagent.jar -Dotel.instrumentation.methods.include=...
 * </pre>
 */
public final class AgentBench {
    static final String USAGE = """
            usage: AgentBench --variant NAME=JVM ARGS [--variant ...] [--forks 1]
                   [--warmup-iterations 5] [--iterations 5] [--seconds 2]
            The first variant is the baseline the others are compared with.""";

    private AgentBench() {
    }

    public static void main(String[] argv) throws RunnerException {
        Variants args;
        int forks;
        int warmups;
        int iterations;
        int seconds;
        try {
            args = new Variants(argv, Map.of("forks", "1", "warmup-iterations", "5", "iterations", "5",
                    "seconds", "2"));
            forks = args.positiveInt("forks");
            warmups = args.positiveInt("warmup-iterations");
            iterations = args.positiveInt("iterations");
            seconds = args.positiveInt("seconds");
        } catch (Variants.BadArgs e) {
            System.err.println("AgentBench: " + e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        List<Result<?>> results = new ArrayList<>();
        List<Double> allocations = new ArrayList<>(); // bytes allocated per call (JMH's gc profiler)
        for (Variants.Variant v : args.variants) {
            System.err.println("AgentBench: variant " + v.name() + ": " + v.jvmArgs());
            Options options = new OptionsBuilder()
                    .include(AgentCallBench.class.getName() + ".call$")
                    .forks(forks)
                    .warmupIterations(warmups)
                    .warmupTime(TimeValue.seconds(seconds))
                    .measurementIterations(iterations)
                    .measurementTime(TimeValue.seconds(seconds))
                    .jvmArgsAppend(v.jvmArgs().toArray(new String[0]))
                    .addProfiler(GCProfiler.class)
                    .build();
            RunResult run = new Runner(options).runSingle();
            results.add(run.getPrimaryResult());
            Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            allocations.add(alloc == null ? Double.NaN : alloc.getScore());
        }
        double base = results.get(0).getScore();
        StringBuilder table = new StringBuilder();
        table.append(String.format("| variant | ns/op | ± (99.9 %%) | added ns per call | bytes allocated per call |%n"));
        table.append(String.format("| --- | ---: | ---: | ---: | ---: |%n"));
        for (int i = 0; i < results.size(); i++) {
            Result<?> r = results.get(i);
            table.append(String.format("| %s | %.1f | %.1f | %s | %.0f |%n", args.variants.get(i).name(), r.getScore(),
                    r.getScoreError(), i == 0 ? "(baseline)" : String.format("%.1f", r.getScore() - base),
                    allocations.get(i)));
        }
        System.out.print(table);
        StringBuilder line = new StringBuilder("RESULT");
        for (int i = 0; i < results.size(); i++) {
            String name = args.variants.get(i).name();
            line.append(String.format(" %s_ns_per_op=%.1f %s_added_ns=%.1f %s_bytes_per_op=%.0f", name,
                    results.get(i).getScore(), name, results.get(i).getScore() - base, name, allocations.get(i)));
        }
        System.out.println(line);
    }
}
