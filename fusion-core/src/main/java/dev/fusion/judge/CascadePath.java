package dev.fusion.judge;

import java.util.Optional;

/** Which way a {@code cascade} went, as {@link CascadeOutcome#path()} names it (its {@link #wireName()}). */
public enum CascadePath {
    /** The cheap answers agreed; the judge was not called. */
    AGREED(CascadeOutcome.AGREED),
    /** The cheap answers disagreed; the judge merged them. */
    JUDGED(CascadeOutcome.JUDGED),
    /** The cheap answers disagreed; flagship members answered, then the judge merged every answer. */
    ESCALATED(CascadeOutcome.ESCALATED);

    private final String wireName;

    CascadePath(String wireName) {
        this.wireName = wireName;
    }

    /** The name in {@link CascadeOutcome#path()} and JSON. */
    public String wireName() {
        return wireName;
    }

    /** The path with this wire name, if it is one. */
    public static Optional<CascadePath> fromWireName(String name) {
        for (CascadePath p : values()) {
            if (p.wireName.equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
