package dev.fusion.shared;

/**
 * The limits of one provider; 0 means unlimited.
 *
 * @param maxConcurrent     calls in flight at once
 * @param requestsPerMinute call starts in any 60 s window
 * @param tokensPerMinute   tokens (estimated prompt + max output at start, settled to the reported total
 *                          when the call ends) in any 60 s window; a single call larger than the limit
 *                          still starts when the window is empty
 */
public record ProviderLimit(int maxConcurrent, int requestsPerMinute, long tokensPerMinute) {
    public ProviderLimit {
        if (maxConcurrent < 0 || requestsPerMinute < 0 || tokensPerMinute < 0) {
            throw new IllegalArgumentException("provider limits cannot be negative");
        }
    }

    /** Whether no limit applies. */
    public boolean unlimited() {
        return maxConcurrent == 0 && requestsPerMinute == 0 && tokensPerMinute == 0;
    }
}
