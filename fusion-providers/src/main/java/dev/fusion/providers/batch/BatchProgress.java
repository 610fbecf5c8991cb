package dev.fusion.providers.batch;

import java.time.Duration;
import java.util.Optional;

/**
 * How far a batch is, as of one poll. Immutable.
 *
 * @param batchId  the provider's batch id
 * @param state    the provider's status string ({@code in_progress}, {@code JOB_STATE_RUNNING}, ...)
 * @param done     requests finished (answered or failed) as the provider counts them
 * @param total    requests in the batch
 * @param elapsed  time since the batch was submitted, on the client's clock
 * @param eta      the estimated time left (linear in the rate so far), empty until one request has finished
 */
public record BatchProgress(String batchId, String state, int done, int total, Duration elapsed,
                            Optional<Duration> eta) {

    /** A one-line bar: {@code [#####-----] 5/10  ETA 3m}. */
    public String bar(int width) {
        int w = Math.max(1, width);
        int filled = total == 0 ? w : (int) Math.min(w, (long) done * w / total);
        return "[" + "#".repeat(filled) + "-".repeat(w - filled) + "] " + done + "/" + total
                + eta.map(d -> "  ETA " + human(d)).orElse("") + "  " + state;
    }

    private static String human(Duration d) {
        long s = Math.max(0, d.toSeconds());
        return s >= 3600 ? s / 3600 + "h" + (s % 3600) / 60 + "m" : s >= 60 ? s / 60 + "m" + s % 60 + "s" : s + "s";
    }
}
