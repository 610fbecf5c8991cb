package dev.fusion.model;

/**
 * How hard a reasoning model should think. Mapped per wire format: OpenAI {@code reasoning_effort},
 * OpenRouter {@code reasoning.effort}, Anthropic a {@code thinking} budget, Gemini
 * {@code thinkingLevel} (Gemini 3) or a {@code thinkingBudget} (Gemini 2.5).
 */
public enum Effort {
    LOW,
    MEDIUM,
    HIGH;

    /** The wire value, lower case ({@code low}, {@code medium}, {@code high}). */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
