package dev.fusion.cli;

/**
 * Rewrites the library's hints, written for Java callers, into the CLI's terms: flags and config
 * keys instead of builder methods. The library's message is kept; only its advice is swapped.
 * Stateless.
 */
final class CliTerms {

    private static final String RAISE_BUDGET = "raise the budget with --budget USD (budgetUsd: in the config)";
    private static final String RAISE_CAP = "raise the spend cap with spendCapUsd: in the config passed with --config"
            + " (or wait for its window, spendCapWindow:, to roll over)";

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
        // a vote needs a schema: the CLI's way to give one
        m = m.replace("set one with FusionRequest.builder().schema(...) (CLI: --schema FILE)", "pass one with --schema FILE");
        m = m.replace("ask with a schema (FusionRequest.builder().schema(...))", "ask with --schema FILE");
        // money limits: name the flag or config key that sets each
        boolean cap = m.contains("spend cap");
        m = m.replace("; raise the budget, lower judgeMaxOutputTokens/maxOutputTokens, or use a cheaper judge",
                "; " + (cap ? RAISE_CAP : RAISE_BUDGET) + ", lower judgeMaxOutputTokens: / maxOutputTokens: in the config"
                        + " (or --max-tokens), or use a cheaper judge (--judge MODEL)");
        m = m.replace("; raise the budget or lower the quorum", "; " + (cap ? RAISE_CAP : RAISE_BUDGET)
                + ", or lower the quorum with --quorum N");
        m = m.replace("raise --timeout / deadlineMs", "raise --timeout (deadlineMs: in the config)");
        m = m.replace("set one with judge(...)", "name one with --judge MODEL or judge: in the config");
        return m;
    }
}
