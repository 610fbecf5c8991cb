package dev.fusion.cli.tune.report.internal;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Writes a file through a temporary file beside it, moved into place, so a reader never sees half of it.
 * The file gets the default permissions of a newly created file (the user's umask). Stateless.
 */
public final class AtomicFile {

    /** Writes the temporary file. */
    @FunctionalInterface
    public interface Writer {
        /** Writes the content to {@code tmp}. */
        void write(Path tmp) throws IOException;
    }

    private AtomicFile() {
    }

    /** Writes {@code target} (replacing it) with what {@code writer} puts into a temporary file. */
    public static void write(Path target, Writer writer) throws IOException {
        Path abs = target.toAbsolutePath();
        Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            writer.write(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
