package dev.fusion.cli;

import picocli.CommandLine.Option;

import java.math.BigDecimal;
import java.nio.file.Path;

/** Options shared by ask, preview and eval: where the panel comes from, and overrides. */
final class CommonOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "YAML or JSON config (panel, judge, quorum, prices, ...).")
    Path config;

    @Option(names = "--panel", split = ",", paramLabel = "MODEL", description = "Panel models, comma-separated provider:model (overrides the config).")
    java.util.List<String> panel;

    @Option(names = "--judge", split = ",", paramLabel = "MODEL", description = "Judge model; several, comma-separated, are fallbacks in order.")
    java.util.List<String> judge;

    @Option(names = "--quorum", paramLabel = "N", description = "Minimum successful panel answers.")
    Integer quorum;

    @Option(names = "--budget", paramLabel = "USD", description = "Hard budget per ask in USD, for example 0.05.")
    BigDecimal budget;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "Deadline of the whole ask: 1500, 1500ms, 30s, 2m.")
    String timeout;

    @Option(names = "--strategy", paramLabel = "NAME", description = "Judge strategy: synthesize (default), analyze, select-best, self-moa, layered, cascade, vote (needs --schema); options as name:key=value,..., for example layered:rounds=3.")
    String strategy;

    @Option(names = "--sandbox", description = "Use the built-in offline sandbox even when keys are present.")
    boolean sandbox;

    /** The config key each override flag sets (the precedence itself is {@code FusionSpec.with(Overrides)}). */
    static final java.util.Map<String, String> FLAG_FOR_KEY = java.util.Map.of("panel", "--panel", "judge", "--judge",
            "quorum", "--quorum", "budgetUsd", "--budget", "deadlineMs", "--timeout", "strategy", "--strategy");

    boolean hasModelOverrides() {
        return panel != null || judge != null;
    }
}
