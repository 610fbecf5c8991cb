package dev.fusion.cli;

/** A user error the CLI reports as one line, exiting with status 2. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }
}
