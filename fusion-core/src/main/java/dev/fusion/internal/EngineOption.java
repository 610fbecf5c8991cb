package dev.fusion.internal;

/**
 * Engine options for Fusion's own tools (the CLI's {@code tune}), set with
 * {@code Fusion.Builder.engineOption}. Internal: not a stable API, may change between releases.
 */
public enum EngineOption {
    /**
     * Judge prompts fence member answers with a boundary id derived from a SHA-256 of the fenced
     * contents instead of a random one (see {@code JudgePrompt.withContentBoundary()}), so identical
     * judge calls render identical prompts and a content-addressed cache of judge calls can hit.
     * Forging a fence stays infeasible. Off by default.
     */
    CONTENT_DERIVED_JUDGE_BOUNDARY
}
