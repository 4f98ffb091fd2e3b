package dev.peephole.agent.core.metrics;

import dev.peephole.agent.core.Log;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HardwareAbstractionLayer;
import oshi.hardware.NetworkIF;
import oshi.software.os.OSFileStore;
import oshi.software.os.OperatingSystem;

/**
 * The host's disks, network interfaces and file systems, listed by OSHI once and then again only
 * every {@link #REFRESH_NANOS}, not at every collection.
 *
 * <p>Why: listing them is most of what a host collection costs. OSHI enumerates disks through udev,
 * interfaces through the JDK's {@code NetworkInterface} and file systems by reading the mount table
 * and asking each mount for its space; on this project's 2-core bench machine (2 disks, 1
 * interface, 20 mounts) that was 9 to 20 ms of CPU per collection, every 10 s, on a machine whose
 * app is busy. Devices and mounts rarely change; one seen late by up to {@link #REFRESH_NANOS}
 * (and one gone, kept as long) is the price.
 */
final class HostInventory {
    static final long REFRESH_NANOS = TimeUnit.MINUTES.toNanos(5);

    /** A mounted file system with room on it, and the JDK's handle that reads its space. */
    static final class Mount {
        final String volume;
        final String mountPoint;
        final String type;
        final FileStore store;

        Mount(String volume, String mountPoint, String type, FileStore store) {
            this.volume = volume;
            this.mountPoint = mountPoint;
            this.type = type;
            this.store = store;
        }
    }

    private final HardwareAbstractionLayer hw;
    private final OperatingSystem os;
    private final long refreshNanos;
    private long listedAt;
    private boolean listed;
    private List<HWDiskStore> disks = List.of();
    private List<NetworkIF> networks = List.of();
    private List<Mount> mounts = List.of();

    HostInventory(HardwareAbstractionLayer hw, OperatingSystem os, long refreshNanos) {
        this.hw = hw;
        this.os = os;
        this.refreshNanos = refreshNanos;
    }

    /** Lists again if the lists are older than the refresh interval. Metrics thread only. */
    void refreshIfDue(long nowNanos) {
        if (listed && nowNanos - listedAt < refreshNanos) {
            return;
        }
        listed = true;
        listedAt = nowNanos;
        // each list on its own: one that fails keeps its previous value, the others still refresh
        try {
            disks = List.copyOf(hw.getDiskStores());
        } catch (RuntimeException | LinkageError e) {
            Log.debug("listing disks failed: " + e);
        }
        try {
            networks = List.copyOf(hw.getNetworkIFs());
        } catch (RuntimeException | LinkageError e) {
            Log.debug("listing network interfaces failed: " + e);
        }
        try {
            mounts = mounts(os.getFileSystem().getFileStores(true));
        } catch (RuntimeException | LinkageError e) {
            Log.debug("listing file systems failed: " + e);
        }
    }

    /** Local file systems with a size (not proc, sysfs, cgroup and the like, which report 0). */
    private static List<Mount> mounts(List<OSFileStore> stores) {
        List<Mount> out = new ArrayList<>();
        for (OSFileStore s : stores) {
            if (s.getTotalSpace() <= 0) {
                continue;
            }
            try {
                out.add(new Mount(s.getVolume(), s.getMount(), s.getType(), Files.getFileStore(Paths.get(s.getMount()))));
            } catch (IOException | RuntimeException e) {
                Log.debug("file system " + s.getMount() + " left out: " + e);
            }
        }
        return List.copyOf(out);
    }

    List<HWDiskStore> disks() {
        return disks;
    }

    List<NetworkIF> networks() {
        return networks;
    }

    List<Mount> mounts() {
        return mounts;
    }
}
