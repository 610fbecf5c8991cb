package dev.fusion;

/**
 * How a call ended. {@link #wireName()} is the name used in JSON output and the CLI, a contract:
 * {@code ok}, {@code failed}, {@code timeout}, {@code cancelled}, {@code skipped}.
 */
public enum CallStatus {
    /** Answered. */
    OK("ok"),
    /** Failed after its retries (HTTP error, connection failure, malformed or truncated answer). */
    FAILED("failed"),
    /** Ran past its member timeout or the ask's deadline. */
    TIMEOUT("timeout"),
    /** Cancelled: straggler grace ran out after the quorum, or the caller cancelled the ask. */
    CANCELLED("cancelled"),
    /** Never called: the budget could not cover it. */
    SKIPPED("skipped");

    private final String wireName;

    CallStatus(String wireName) {
        this.wireName = wireName;
    }

    /** The stable lower-case name used in JSON and the CLI. */
    public String wireName() {
        return wireName;
    }
}
