package dev.fusion.shared;

/** What an instance does while its shared store cannot be reached. */
public enum OnUnavailable {
    /**
     * The default: an ask that needs the store fails at once with a
     * {@link SharedStateUnavailableException} naming the store; nothing is spent beyond the cap.
     */
    REFUSE,
    /**
     * Falls back to per-instance state (the cap and limits then hold per instance only) and adds a
     * note to every result while degraded; shared state is used again as soon as the store answers.
     */
    LOCAL;

    /** Parses {@code refuse} or {@code local} (any case). */
    public static OnUnavailable parse(String s) {
        for (OnUnavailable o : values()) {
            if (o.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return o;
            }
        }
        throw new IllegalArgumentException("onUnavailable must be 'refuse' or 'local', was '" + s + "'");
    }

    /** The config-file spelling ({@code refuse}, {@code local}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
