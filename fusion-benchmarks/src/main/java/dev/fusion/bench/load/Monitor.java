package dev.fusion.bench.load;

import dev.fusion.providers.internal.HttpClients;
import okhttp3.Dispatcher;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the client process every 10 ms on a daemon thread: live platform threads (and the JVM's
 * own peak counter), heap used, RSS, and the shared OkHttp dispatcher's running and queued calls.
 * Peak RSS is also read from the kernel's {@code VmHWM}.
 */
public final class Monitor implements AutoCloseable {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread sampler;
    private volatile boolean running = true;
    volatile long peakHeap;
    volatile long peakRss;
    volatile int peakRunning;
    volatile int peakQueued;

    public Monitor() {
        threads.resetPeakThreadCount();
        sampler = new Thread(this::loop, "bench-monitor");
        sampler.setDaemon(true);
        sampler.start();
    }

    private void loop() {
        Dispatcher d = HttpClients.shared().dispatcher();
        while (running) {
            peakHeap = Math.max(peakHeap, memory.getHeapMemoryUsage().getUsed());
            peakRss = Math.max(peakRss, status("VmRSS"));
            peakRunning = Math.max(peakRunning, d.runningCallsCount());
            peakQueued = Math.max(peakQueued, d.queuedCallsCount());
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    public int peakThreads() {
        return threads.getPeakThreadCount();
    }

    public int liveThreads() {
        return threads.getThreadCount();
    }

    /** {@code VmHWM}: the kernel's peak resident set size of this process, in bytes. */
    public static long vmHwm() {
        return status("VmHWM");
    }

    /** A {@code kB} field of {@code /proc/self/status}, in bytes (-1 when unavailable). */
    static long status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim()) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    public String summary() {
        return String.format("peak platform threads %d (live now %d), peak heap used %.0f MB, peak RSS (VmHWM) %.0f MB,"
                        + " OkHttp dispatcher peak running %d / peak queued %d",
                peakThreads(), liveThreads(), peakHeap / 1e6, vmHwm() / 1e6, peakRunning, peakQueued);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
