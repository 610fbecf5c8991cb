package dev.fusion.providers.batch;

import dev.fusion.cost.Cost;
import dev.fusion.model.ModelResponse;

import java.util.Objects;

/**
 * The outcome of one request of a batch. Immutable.
 *
 * @param customId the id the request was submitted under
 * @param status   what became of it
 * @param response the answer when {@link Status#SUCCEEDED}, else null
 * @param cost     the answer's cost at the price book's <em>batch</em> rates (unpriced when the book has no
 *                 batch price for the model, or the provider reported no usage); unpriced when not succeeded
 * @param error    why it failed, expired or is missing (never holds a key), or null when it succeeded
 */
public record BatchItem(String customId, Status status, ModelResponse response, Cost cost, String error) {

    /** What became of one request. */
    public enum Status {
        /** Answered; billed at batch prices. */
        SUCCEEDED,
        /** The provider reports an error for this request. */
        ERRORED,
        /** The batch was cancelled before this request ran. */
        CANCELED,
        /** The batch's completion window ended before this request ran. */
        EXPIRED,
        /** The batch ended but its results hold no line for this request: recorded, not lost. */
        MISSING
    }

    public BatchItem {
        Objects.requireNonNull(customId, "customId");
        Objects.requireNonNull(status, "status");
        cost = cost == null ? Cost.unpriced() : cost;
        if (status == Status.SUCCEEDED) {
            Objects.requireNonNull(response, "a succeeded item needs its response");
        }
    }

    /** A request that produced no answer. */
    public static BatchItem failed(String customId, Status status, String error) {
        return new BatchItem(customId, status, null, Cost.unpriced(), error);
    }

    /** Whether the request was answered. */
    public boolean succeeded() {
        return status == Status.SUCCEEDED;
    }
}
