package dev.fusion.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Captures what the tests' logger (slf4j-simple, which writes to the current {@code System.err}) prints while
 * a test provokes an expected error, so the test can assert the log line instead of the build printing it as
 * an ERROR. Not for concurrent use by two tests at once (surefire runs a module's tests one at a time).
 */
public final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    /** The captured bytes; every write wakes {@link #awaitCount} (it waits on this buffer's monitor). */
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream() {
        @Override
        public synchronized void write(int b) {
            super.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, len);
            notifyAll();
        }
    };

    private LogCapture() {
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    }

    /** Starts capturing; {@link #close()} restores {@code System.err}. */
    public static LogCapture start() {
        return new LogCapture();
    }

    /** What was logged so far. */
    public synchronized String text() {
        System.err.flush();
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** How many times {@code fragment} was logged so far. */
    public int count(String fragment) {
        return count(text(), fragment);
    }

    private static int count(String t, String fragment) {
        int n = 0;
        for (int at = t.indexOf(fragment); at >= 0; at = t.indexOf(fragment, at + fragment.length())) {
            n++;
        }
        return n;
    }

    /**
     * Waits until {@code fragment} was logged {@code times} times (a line logged by another thread after the
     * test's own condition held), or the generous bound passes; returns the count then. Woken by each write
     * to the capture, so it returns as soon as the line is there (no polling).
     */
    public int awaitCount(String fragment, int times, long timeoutSeconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        // Reads the buffer under its own monitor only (no System.err.flush(), which takes the print
        // stream's lock: a writer holds that one while it waits for this one). The print stream writes
        // through to the buffer on every call, so nothing waits in it.
        synchronized (buffer) {
            int n = count(buffer.toString(StandardCharsets.UTF_8), fragment);
            while (n < times) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(buffer, left);
                n = count(buffer.toString(StandardCharsets.UTF_8), fragment);
            }
            return n;
        }
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
