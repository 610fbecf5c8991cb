package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;

import java.util.Locale;

/** The three wire formats Fusion speaks. Config names: {@code openai}, {@code anthropic}, {@code gemini}. */
public enum ProviderKind {
    /** OpenAI-compatible Chat Completions ({@code /chat/completions}). */
    OPENAI,
    /** Anthropic Messages ({@code /v1/messages}). */
    ANTHROPIC,
    /** Gemini API ({@code /v1beta/models/{model}:generateContent}). */
    GEMINI;

    /** The config name, lower case. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a config name (case-insensitive). */
    public static ProviderKind parse(String s) {
        if (s != null) {
            for (ProviderKind k : values()) {
                if (k.name().equalsIgnoreCase(s.trim())) {
                    return k;
                }
            }
        }
        throw new InvalidConfigurationException("provider kind must be one of openai, anthropic, gemini; was '" + s + "'");
    }
}
