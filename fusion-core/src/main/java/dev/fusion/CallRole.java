package dev.fusion;

/** Which part of an ask a call belongs to; {@link #wireName()} is {@code panel} or {@code judge}. */
public enum CallRole {
    PANEL("panel"),
    JUDGE("judge");

    private final String wireName;

    CallRole(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
