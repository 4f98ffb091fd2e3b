package dev.peephole.agent.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.peephole.proto.v1.MetricSeries;
import dev.peephole.proto.v1.MetricType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MetricsTest {

    static List<MetricSeries> collect(MetricSource s) {
        List<MetricSeries> out = new ArrayList<>();
        s.collect(new SeriesBuilder(out::add, System.currentTimeMillis() * 1_000_000L));
        return out;
    }

    static Set<String> names(List<MetricSeries> series) {
        return series.stream().map(MetricSeries::getName).collect(Collectors.toSet());
    }

    static Map<String, String> labels(MetricSeries s) {
        return s.getLabelsList().stream().collect(Collectors.toMap(l -> l.getName(), l -> l.getValue()));
    }

    @Test
    void jvmMetricsHaveSemanticConventionNamesUnitsAndLabels() throws Exception {
        JvmMetrics jvm = new JvmMetrics();
        for (int i = 0; i < 3; i++) {
            byte[][] garbage = new byte[200][];
            for (int j = 0; j < garbage.length; j++) {
                garbage[j] = new byte[64 * 1024];
            }
            System.gc();
        }
        List<MetricSeries> s = collect(jvm);
        for (int i = 0; i < 50 && !names(s).contains("jvm.gc.duration"); i++) {
            Thread.sleep(100); // GC notifications arrive asynchronously
            s = collect(jvm);
        }
        assertThat(names(s)).contains("jvm.memory.used", "jvm.memory.committed", "jvm.thread.count",
                "jvm.class.count", "jvm.class.loaded", "jvm.cpu.time", "jvm.cpu.count", "jvm.gc.duration");
        MetricSeries heap = s.stream().filter(m -> m.getName().equals("jvm.memory.used")
                && "heap".equals(labels(m).get("jvm.memory.type"))).findFirst().orElseThrow();
        assertThat(heap.getUnit()).isEqualTo("By");
        assertThat(labels(heap)).containsKey("jvm.memory.pool.name");
        double heapUsed = s.stream().filter(m -> m.getName().equals("jvm.memory.used")
                && "heap".equals(labels(m).get("jvm.memory.type"))).mapToDouble(m -> m.getPoints(0).getValue()).sum();
        assertThat(heapUsed).isPositive();
        MetricSeries gc = s.stream().filter(m -> m.getName().equals("jvm.gc.duration")).findFirst().orElseThrow();
        assertThat(gc.getType()).isEqualTo(MetricType.METRIC_TYPE_HISTOGRAM);
        assertThat(gc.getUnit()).isEqualTo("s");
        assertThat(gc.getHistogramPoints(0).getCount()).isPositive();
        assertThat(labels(gc)).containsKeys("jvm.gc.name", "jvm.gc.action");
    }

    @Test
    void hostMetricsFromOshi() throws Exception {
        HostMetrics host = new HostMetrics();
        collect(host);
        Thread.sleep(300);
        List<MetricSeries> s = collect(host);
        assertThat(names(s)).contains("system.cpu.utilization", "system.cpu.load_average.1m", "system.memory.usage",
                "system.memory.utilization", "system.paging.usage", "system.network.io", "process.memory.usage",
                "process.cpu.time");
        MetricSeries cpu = s.stream().filter(m -> m.getName().equals("system.cpu.utilization")).findFirst().orElseThrow();
        assertThat(cpu.getUnit()).isEqualTo("1");
        assertThat(cpu.getPoints(0).getValue()).isBetween(0.0, 1.0);
        MetricSeries used = s.stream().filter(m -> m.getName().equals("system.memory.usage")
                && "used".equals(labels(m).get("system.memory.state"))).findFirst().orElseThrow();
        assertThat(used.getPoints(0).getValue()).isPositive();
        MetricSeries net = s.stream().filter(m -> m.getName().equals("system.network.io")).findFirst().orElseThrow();
        assertThat(net.getType()).isEqualTo(MetricType.METRIC_TYPE_COUNTER);
        assertThat(labels(net)).containsKeys("network.interface.name", "network.io.direction");
        System.out.println("host metric names: " + new java.util.TreeSet<>(names(s)));
    }

    static List<MetricSeries> named(List<MetricSeries> s, String name) {
        return s.stream().filter(m -> m.getName().equals(name)).collect(Collectors.toList());
    }

    @Test
    void diskCountersAgreeWithOshisOwnReadingOfEachDisk() {
        HostMetrics host = new HostMetrics();
        List<oshi.hardware.HWDiskStore> disks = new oshi.SystemInfo().getHardware().getDiskStores();
        assertThat(disks).as("OSHI lists a disk on this machine").isNotEmpty();
        Map<String, Long> before = new java.util.HashMap<>();
        for (oshi.hardware.HWDiskStore d : disks) {
            before.put(d.getName(), d.getWriteBytes());
        }
        List<MetricSeries> io = named(collect(host), "system.disk.io");
        for (oshi.hardware.HWDiskStore d : disks) {
            d.updateAttributes();
            MetricSeries written = io.stream().filter(m -> d.getName().equals(labels(m).get("system.device"))
                    && "write".equals(labels(m).get("disk.io.direction"))).findFirst().orElseThrow();
            // counters only grow: ours was read between OSHI's two readings of the same disk
            assertThat((long) written.getPoints(0).getValue()).isBetween(before.get(d.getName()), d.getWriteBytes());
            assertThat(written.getType()).isEqualTo(MetricType.METRIC_TYPE_COUNTER);
        }
        assertThat(named(collect(host), "system.disk.operations")).hasSize(2 * disks.size());
    }

    @Test
    void rootFileSystemSpaceIsTheJdksReadingAndPseudoFileSystemsAreLeftOut() throws Exception {
        List<MetricSeries> usage = named(collect(new HostMetrics()), "system.filesystem.usage");
        long total = java.nio.file.Files.getFileStore(java.nio.file.Paths.get("/")).getTotalSpace();
        double used = value(usage, "/", "used");
        double free = value(usage, "/", "free");
        assertThat(used + free).isBetween(0.5 * total, 1.0 * total); // free is what is usable, not reserved blocks
        assertThat(usage).noneMatch(m -> "/proc".equals(labels(m).get("system.filesystem.mountpoint")));
    }

    private static double value(List<MetricSeries> usage, String mount, String state) {
        return usage.stream().filter(m -> mount.equals(labels(m).get("system.filesystem.mountpoint"))
                && state.equals(labels(m).get("system.filesystem.state"))).findFirst().orElseThrow()
                .getPoints(0).getValue();
    }

    @Test
    void listingDevicesAtEveryCollectionGivesTheSameSeriesAsListingThemOnce() {
        HostMetrics listedOnce = new HostMetrics();
        HostMetrics listedEachTime = new HostMetrics(0);
        collect(listedOnce);
        collect(listedEachTime);
        for (int i = 0; i < 3; i++) {
            assertThat(keys(collect(listedOnce))).isEqualTo(keys(collect(listedEachTime)));
        }
    }

    private static Set<String> keys(List<MetricSeries> s) {
        return s.stream().map(m -> m.getName() + new java.util.TreeMap<>(labels(m)))
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }
}
