package dev.fusion.cli;

/**
 * Rewrites the library's hints, written for Java callers, into the CLI's terms: flags and config
 * keys instead of builder methods. The library's message is kept; only its advice is swapped.
 * Stateless.
 */
final class CliTerms {

    private CliTerms() {
    }

    /** The message with Java-only advice replaced by the flag or config key that does the same. */
    static String translate(String message) {
        if (message == null) {
            return "";
        }
        String m = message;
        m = m.replace("keep one, or use selfMoa(model, samples)",
                "name one model with --panel MODEL (or one panel: entry in the config) and the sample count with"
                        + " --strategy self-moa:samples=4");
        int add = m.indexOf(". Add it with Providers.builder().provider(");
        if (add >= 0) {
            m = m.substring(0, add) + ". Add it under providers: in a config file passed with --config, e.g."
                    + " providers: {lab: {kind: openai, baseUrl: \"http://127.0.0.1:8000/v1\", apiKeyEnv: LAB_KEY}}"
                    + " (kinds: openai, anthropic, gemini)";
        }
        int prices = m.indexOf("; add prices");
        if (prices >= 0 && m.contains("allowUnpriced(true)")) {
            m = m.substring(0, prices) + "; add their prices under prices: in a config file passed with --config"
                    + " (USD per million tokens, e.g. prices: {\"lab:llama\": {input: 0.27, output: 1.10}}),"
                    + " or allow unbounded spend on them with allowUnpriced: true there";
        }
        m = m.replace("add at least one model with panel(...) or member(...)", "name models with --panel a,b,c or panel: in the config");
        m = m.replace("set one with judge(...)", "name one with --judge MODEL or judge: in the config");
        return m;
    }
}
