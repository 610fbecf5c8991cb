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
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

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
        String t = text();
        int n = 0;
        for (int at = t.indexOf(fragment); at >= 0; at = t.indexOf(fragment, at + fragment.length())) {
            n++;
        }
        return n;
    }

    /**
     * Waits until {@code fragment} was logged {@code times} times (a line logged by another thread after the
     * test's own condition held), or the generous bound passes; returns the count then.
     */
    public int awaitCount(String fragment, int times, long timeoutSeconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        int n = count(fragment);
        while (n < times && System.nanoTime() < end) {
            Thread.sleep(5);
            n = count(fragment);
        }
        return n;
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
