package dev.peephole.bench.agent;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * One call of {@link Workload#checksum}: unwoven, woven by the Peephole agent, traced by the
 * OpenTelemetry agent. Which one is decided by the forked JVM's arguments ({@link AgentBench}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class AgentCallBench {
    private final Workload workload = new Workload();
    private long salt;

    @Benchmark
    public long call() {
        return workload.checksum(salt++);
    }
}
