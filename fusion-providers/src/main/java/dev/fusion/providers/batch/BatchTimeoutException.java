package dev.fusion.providers.batch;

/**
 * Polling gave up ({@link BatchOptions#maxWait}) before the batch ended. The batch keeps running at the
 * provider: keep {@link #job()} (or its state file) and await it again later.
 */
public final class BatchTimeoutException extends RuntimeException {

    private final transient BatchJob job;

    public BatchTimeoutException(BatchJob job, String state) {
        super("batch " + job.batchId() + " (" + job.model() + ") has not ended yet (state " + state
                + "); it keeps running: await it again later to read its results");
        this.job = job;
    }

    /** The batch still running. */
    public BatchJob job() {
        return job;
    }
}
