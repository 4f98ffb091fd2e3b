package dev.peephole.agent.core.metrics;

import dev.peephole.agent.core.Log;
import java.io.IOException;
import java.util.Map;
import oshi.PlatformEnum;
import oshi.SystemInfo;
import oshi.hardware.CentralProcessor;
import oshi.hardware.GlobalMemory;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.hardware.VirtualMemory;
import oshi.software.os.OSProcess;
import oshi.software.os.OperatingSystem;
import oshi.util.driver.linux.proc.DiskStats;

/**
 * Host metrics from OSHI with OpenTelemetry's semantic-convention names: CPU utilization and
 * load, memory and swap, file systems, disk and network I/O, temperature where a sensor
 * answers, and this process's CPU and memory. OSHI starts lazily on the metrics thread; if it
 * cannot (no native access), host metrics are off and one debug line says why.
 *
 * <p>Disks, interfaces and file systems are listed by {@link HostInventory} (every few minutes),
 * and only their counters are read at each collection: on Linux all disks' at once from
 * {@code /proc/diskstats} (OSHI's {@link DiskStats}; asking OSHI disk by disk goes through udev),
 * interfaces through OSHI, and file system space through the JDK's {@link java.nio.file.FileStore}.
 */
public final class HostMetrics implements MetricSource {
    /** Linux reports disk I/O in 512-byte sectors whatever the device's own sector size. */
    private static final long DISKSTATS_SECTOR_BYTES = 512;

    private final long inventoryRefreshNanos;
    private SystemInfo si;
    private HostInventory inventory;
    private boolean failed;
    private long[] prevTicks;
    private OSProcess prevProcess;

    public HostMetrics() {
        this(HostInventory.REFRESH_NANOS);
    }

    /** With another interval between listings of disks, interfaces and file systems (tests). */
    HostMetrics(long inventoryRefreshNanos) {
        this.inventoryRefreshNanos = inventoryRefreshNanos;
    }

    private boolean init() {
        if (si != null || failed) {
            return si != null;
        }
        try {
            si = new SystemInfo();
            inventory = new HostInventory(si.getHardware(), si.getOperatingSystem(), inventoryRefreshNanos);
            prevTicks = si.getHardware().getProcessor().getSystemCpuLoadTicks();
            return true;
        } catch (Throwable t) {
            failed = true;
            Log.debug("host metrics unavailable: " + t);
            return false;
        }
    }

    @Override
    public void collect(SeriesBuilder out) {
        if (!init()) {
            return;
        }
        HardwareAbstractionLayer hw = si.getHardware();
        OperatingSystem os = si.getOperatingSystem();
        inventory.refreshIfDue(System.nanoTime());
        part(() -> cpu(out, hw.getProcessor()));
        part(() -> memory(out, hw.getMemory()));
        part(() -> fileSystems(out));
        part(() -> disks(out));
        part(() -> network(out));
        part(() -> {
            double t = hw.getSensors().getCpuTemperature();
            if (t > 0 && !Double.isNaN(t)) {
                out.gauge("hw.temperature", "Cel", "CPU temperature", t, "hw.id", "cpu", "hw.type", "temperature");
            }
        });
        part(() -> process(out, os));
    }

    private static void part(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException | LinkageError e) {
            Log.debug("a host metric failed: " + e);
        }
    }

    private void cpu(SeriesBuilder out, CentralProcessor cpu) {
        long[] ticks = cpu.getSystemCpuLoadTicks();
        if (prevTicks != null) {
            double u = cpu.getSystemCpuLoadBetweenTicks(prevTicks);
            if (u >= 0) {
                out.gauge("system.cpu.utilization", "1", "CPU busy fraction of the whole host", u);
            }
        }
        prevTicks = ticks;
        double[] load = cpu.getSystemLoadAverage(3);
        String[] names = {"system.cpu.load_average.1m", "system.cpu.load_average.5m", "system.cpu.load_average.15m"};
        for (int i = 0; i < 3; i++) {
            if (load[i] >= 0) {
                out.gauge(names[i], "{run_queue_item}", "load average", load[i]);
            }
        }
        out.gauge("system.cpu.logical.count", "{cpu}", "logical processors", cpu.getLogicalProcessorCount());
    }

    private static void memory(SeriesBuilder out, GlobalMemory mem) {
        long total = mem.getTotal();
        long avail = mem.getAvailable();
        out.gauge("system.memory.usage", "By", "memory in use", total - avail, "system.memory.state", "used");
        out.gauge("system.memory.usage", "By", "memory available", avail, "system.memory.state", "free");
        out.gauge("system.memory.limit", "By", "total memory", total);
        if (total > 0) {
            out.gauge("system.memory.utilization", "1", "memory in use", (double) (total - avail) / total,
                    "system.memory.state", "used");
        }
        VirtualMemory vm = mem.getVirtualMemory();
        long swapTotal = vm.getSwapTotal();
        long swapUsed = vm.getSwapUsed();
        out.gauge("system.paging.usage", "By", "swap in use", swapUsed, "system.paging.state", "used");
        out.gauge("system.paging.usage", "By", "swap free", swapTotal - swapUsed, "system.paging.state", "free");
        if (swapTotal > 0) {
            out.gauge("system.paging.utilization", "1", "swap in use", (double) swapUsed / swapTotal,
                    "system.paging.state", "used");
        }
    }

    private void fileSystems(SeriesBuilder out) {
        for (HostInventory.Mount m : inventory.mounts()) {
            long total;
            long free;
            try {
                total = m.store.getTotalSpace();
                free = m.store.getUsableSpace();
            } catch (IOException | RuntimeException e) {
                continue; // unmounted since it was listed: gone from the next listing
            }
            if (total <= 0) {
                continue;
            }
            String[] base = {"system.device", m.volume, "system.filesystem.mountpoint", m.mountPoint,
                "system.filesystem.type", m.type};
            out.gauge("system.filesystem.usage", "By", "file system space", total - free, with(base, "used"));
            out.gauge("system.filesystem.usage", "By", "file system space", free, with(base, "free"));
            out.gauge("system.filesystem.utilization", "1", "file system space in use", (double) (total - free) / total,
                    base);
        }
    }

    private static String[] with(String[] base, String state) {
        String[] l = java.util.Arrays.copyOf(base, base.length + 2);
        l[base.length] = "system.filesystem.state";
        l[base.length + 1] = state;
        return l;
    }

    private void disks(SeriesBuilder out) {
        Map<String, Map<DiskStats.IoStat, Long>> stats =
                SystemInfo.getCurrentPlatform() == PlatformEnum.LINUX ? DiskStats.getDiskStats() : Map.of();
        for (HWDiskStore d : inventory.disks()) {
            String dev = d.getName();
            Map<DiskStats.IoStat, Long> st = stats.get(dev.startsWith("/dev/") ? dev.substring(5) : dev);
            long readBytes;
            long writeBytes;
            long reads;
            long writes;
            if (st != null) {
                readBytes = st.getOrDefault(DiskStats.IoStat.READS_SECTOR, 0L) * DISKSTATS_SECTOR_BYTES;
                writeBytes = st.getOrDefault(DiskStats.IoStat.WRITES_SECTOR, 0L) * DISKSTATS_SECTOR_BYTES;
                reads = st.getOrDefault(DiskStats.IoStat.READS, 0L);
                writes = st.getOrDefault(DiskStats.IoStat.WRITES, 0L);
            } else {
                d.updateAttributes(); // not Linux, or a device /proc/diskstats does not name
                readBytes = d.getReadBytes();
                writeBytes = d.getWriteBytes();
                reads = d.getReads();
                writes = d.getWrites();
            }
            out.counter("system.disk.io", "By", "bytes read and written", readBytes,
                    "system.device", dev, "disk.io.direction", "read");
            out.counter("system.disk.io", "By", "bytes read and written", writeBytes,
                    "system.device", dev, "disk.io.direction", "write");
            out.counter("system.disk.operations", "{operation}", "reads and writes", reads,
                    "system.device", dev, "disk.io.direction", "read");
            out.counter("system.disk.operations", "{operation}", "reads and writes", writes,
                    "system.device", dev, "disk.io.direction", "write");
        }
    }

    private void network(SeriesBuilder out) {
        for (NetworkIF n : inventory.networks()) {
            n.updateAttributes();
            String name = n.getName();
            out.counter("system.network.io", "By", "bytes received and sent", n.getBytesRecv(),
                    "network.interface.name", name, "network.io.direction", "receive");
            out.counter("system.network.io", "By", "bytes received and sent", n.getBytesSent(),
                    "network.interface.name", name, "network.io.direction", "transmit");
            out.counter("system.network.packets", "{packet}", "packets received and sent", n.getPacketsRecv(),
                    "network.interface.name", name, "network.io.direction", "receive");
            out.counter("system.network.packets", "{packet}", "packets received and sent", n.getPacketsSent(),
                    "network.interface.name", name, "network.io.direction", "transmit");
            out.counter("system.network.errors", "{error}", "receive and transmit errors", n.getInErrors(),
                    "network.interface.name", name, "network.io.direction", "receive");
            out.counter("system.network.errors", "{error}", "receive and transmit errors", n.getOutErrors(),
                    "network.interface.name", name, "network.io.direction", "transmit");
        }
    }

    private void process(SeriesBuilder out, OperatingSystem os) {
        OSProcess p = os.getProcess(os.getProcessId());
        if (p == null) {
            return;
        }
        out.gauge("process.memory.usage", "By", "resident set size", p.getResidentSetSize());
        out.gauge("process.memory.virtual", "By", "virtual memory size", p.getVirtualSize());
        out.counter("process.cpu.time", "s", "CPU time of this process", (p.getKernelTime() + p.getUserTime()) / 1000.0);
        if (prevProcess != null) {
            double u = p.getProcessCpuLoadBetweenTicks(prevProcess);
            if (u >= 0) {
                out.gauge("process.cpu.utilization", "1", "CPU use of this process, of one core", u);
            }
        }
        out.gauge("process.thread.count", "{thread}", "threads of this process", p.getThreadCount());
        prevProcess = p;
    }
}
