package dev.fusion.cli;

import dev.fusion.Redactor;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The CLI's stdout and stderr: bytes are held until a line ends ({@code \n} or {@code \r}, the
 * progress bar's) or the stream is flushed, then the line passes through {@link Redactor} and is
 * printed to the real stream. Holding whole lines means a key printed in two pieces is still seen
 * whole. Thread-safe (synchronized, as {@link PrintStream} is).
 */
final class RedactingOutputStream extends OutputStream {

    private final PrintStream target;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    RedactingOutputStream(PrintStream target) {
        this.target = target;
    }

    /**
     * A UTF-8 print stream over {@code target} that redacts every line. Not auto-flushing (that would
     * flush after every {@code print}, cutting lines into pieces the redactor sees apart): lines are
     * emitted when they end, and an explicit {@code flush()} emits a partial line (progress bars).
     */
    static PrintStream wrap(PrintStream target) {
        return new PrintStream(new RedactingOutputStream(target), false, StandardCharsets.UTF_8);
    }

    @Override
    public synchronized void write(int b) {
        line.write(b);
        if (b == '\n' || b == '\r') {
            emit();
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    @Override
    public synchronized void flush() {
        emit();
        target.flush();
    }

    @Override
    public synchronized void close() {
        flush();
    }

    private void emit() {
        if (line.size() == 0) {
            return;
        }
        target.print(Redactor.redact(line.toString(StandardCharsets.UTF_8)));
        line.reset();
    }
}
