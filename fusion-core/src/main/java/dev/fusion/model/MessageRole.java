package dev.fusion.model;

/** Who wrote a message in a conversation. */
public enum MessageRole {
    USER,
    ASSISTANT
}
