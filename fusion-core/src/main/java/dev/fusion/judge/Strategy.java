package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.model.ChatModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * How an ask turns panel answers into the final answer. Pick one in a line:
 * {@code Fusion.builder()...strategy(Strategy.analyze())}. Every judge call of every strategy goes
 * through the same machinery as the default: the fallback judges, the judge timeout clipped to the
 * ask's deadline, the budget reservation, the {@code OnJudgeFailure} degradation, events and
 * listeners; every judge call appears in {@code FusionResult.judgeCalls()}.
 *
 * <p>{@link #name()} is a contract shared with configuration files and the CLI
 * ({@code strategy: cascade}): {@code synthesize | analyze | select-best | self-moa | layered | cascade}.
 * Build one from configuration with {@link #parse(String, Map)}.
 *
 * <p>Strategies are immutable values and thread-safe; one instance may serve many {@code Fusion}s.
 */
public sealed interface Strategy permits Strategy.Synthesize, Strategy.Analyze, Strategy.SelectBest,
        Strategy.SelfMoa, Strategy.Layered, Strategy.Cascade, Strategy.Vote {

    /** The configuration name: {@code synthesize}, {@code analyze}, {@code select-best}, {@code self-moa}, {@code layered}, {@code cascade} or {@code vote}. */
    String name();

    /** The kind of strategy; its {@link StrategyKind#wireName()} is {@link #name()}. */
    StrategyKind kind();

    /** Every configuration name, in a stable order. */
    static List<String> names() {
        return Arrays.stream(StrategyKind.values()).map(StrategyKind::wireName).toList();
    }

    /** The default: one judge call writes the final answer from the anonymized answers. */
    static Synthesize synthesize() {
        return Synthesize.INSTANCE;
    }

    /**
     * Vote: every panel answer is read against the request's JSON Schema (one repair attempt, then the
     * answer is a failed call of kind {@code invalid_output}); each leaf field takes the value a strict
     * majority of the valid answers holds, and only the fields without a majority go to the judge, in one
     * call constrained by a schema of just those fields. When every field has a majority the judge is not
     * called. Needs a schema ({@code FusionRequest.Builder.schema}); without one the ask is a configuration
     * error before any call. The rules: {@link dev.fusion.structured.StructuredVote}.
     */
    static Vote vote() {
        return Vote.INSTANCE;
    }

    /** Analyze then write: a structured analysis (JSON, parsed into {@link Analysis}), then a writing call. */
    static Analyze analyze() {
        return Analyze.INSTANCE;
    }

    /** Select-best with two ranking rounds (the second in reverse order) combined by Borda count. */
    static SelectBest selectBest() {
        return new SelectBest(true);
    }

    /** Select-best: the judge ranks the answers and the top one is returned verbatim. */
    static SelectBest selectBest(boolean twoRounds) {
        return new SelectBest(twoRounds);
    }

    /** Self-MoA: the single panel model sampled {@code samples} times (temperatures 0.7 to 1.0), then synthesized. */
    static SelfMoa selfMoa(int samples) {
        return new SelfMoa(samples, 0.7, 1.0);
    }

    /** Layered Mixture-of-Agents with {@code rounds} panel rounds (at least 2). */
    static Layered layered(int rounds) {
        return new Layered(rounds);
    }

    /** A cascade that skips the judge when every cheap answer agrees after normalization. */
    static Cascade cascade() {
        return new Cascade(AgreementRule.normalizedExactMatch(), Cascade.ALL, List.of());
    }

    /**
     * A cascade with a custom rule and threshold.
     *
     * @param minAgreeing answers that must agree to skip the judge (at least 2), or {@link Cascade#ALL}
     */
    static Cascade cascade(AgreementRule rule, int minAgreeing) {
        return new Cascade(rule, minAgreeing, List.of());
    }

    /**
     * Builds a strategy from configuration ({@code strategy: <name>} plus options). Option values
     * may be numbers, booleans or strings (as YAML/JSON loaders produce them). Options:
     * <ul>
     *   <li>{@code select-best}: {@code rounds} 1 or 2 (default 2)</li>
     *   <li>{@code self-moa}: {@code samples} (default 4), {@code minTemperature} (0.7), {@code maxTemperature} (1.0)</li>
     *   <li>{@code layered}: {@code rounds} (default 2)</li>
     *   <li>{@code cascade}: {@code agree} ({@code all} or a number, default {@code all}), {@code maxChars}
     *       (longest normalized answer that can agree, default 200); {@code flagships} needs
     *       {@link #parse(String, Map, Function)}</li>
     * </ul>
     *
     * @throws InvalidConfigurationException for an unknown name, an unknown option or a bad value
     */
    static Strategy parse(String name, Map<String, ?> options) {
        return parse(name, options, null);
    }

    /**
     * As {@link #parse(String, Map)}, resolving the cascade's {@code flagships} option (a list of
     * {@code provider:model} names, or one comma-separated string) with {@code models}.
     */
    static Strategy parse(String name, Map<String, ?> options, Function<String, ChatModel> models) {
        if (name == null || name.isBlank()) {
            throw new InvalidConfigurationException("strategy is blank; use one of " + names());
        }
        Map<String, ?> opts = options == null ? Map.of() : options;
        String n = name.trim().toLowerCase(Locale.ROOT);
        StrategyKind kind = StrategyKind.fromWireName(n).orElseThrow(() ->
                new InvalidConfigurationException("unknown strategy '" + name + "'; use one of " + names()));
        return StrategyConfig.parse(kind, n, opts, models);
    }

    /** {@code vote}: see {@link Strategy#vote()}. */
    record Vote() implements Strategy {
        static final Vote INSTANCE = new Vote();

        @Override
        public StrategyKind kind() {
            return StrategyKind.VOTE;
        }

        @Override
        public String name() {
            return "vote";
        }
    }

    /** {@code synthesize}: one judge call merges the answers (the judge prompt is {@code Fusion.Builder.judgePrompt}). */
    record Synthesize() implements Strategy {
        static final Synthesize INSTANCE = new Synthesize();

        @Override
        public StrategyKind kind() {
            return StrategyKind.SYNTHESIZE;
        }

        @Override
        public String name() {
            return "synthesize";
        }
    }

    /**
     * {@code analyze}: the judge first returns a JSON analysis (consensus, contradictions, partial
     * coverage, unique insights, blind spots), exposed as {@code FusionResult.analysis()}; a second
     * judge call writes the answer from the analysis and the answers. Invalid JSON is retried once
     * with the parse error in the prompt, then the ask degrades to plain synthesis (noted). Only the
     * writing call streams {@code JudgeDelta}s.
     */
    record Analyze() implements Strategy {
        static final Analyze INSTANCE = new Analyze();

        @Override
        public StrategyKind kind() {
            return StrategyKind.ANALYZE;
        }

        @Override
        public String name() {
            return "analyze";
        }
    }

    /**
     * {@code select-best}: the judge ranks the anonymized answers (JSON) and the top answer is
     * returned verbatim ({@code judged=true}, {@code FusionResult.ranking()} carries the scores).
     * With {@code twoRounds}, a second ranking sees the answers in reverse order and the two are
     * combined by Borda count, cancelling position bias. Invalid JSON is retried once, then a failed
     * second round falls back to the first, and a failed first round degrades to plain synthesis.
     *
     * @param twoRounds whether to run the reversed second round
     */
    record SelectBest(boolean twoRounds) implements Strategy {
        @Override
        public StrategyKind kind() {
            return StrategyKind.SELECT_BEST;
        }

        @Override
        public String name() {
            return "select-best";
        }
    }

    /**
     * {@code self-moa}: the panel's single model is sampled {@code samples} times concurrently as
     * members {@code <id>#1..N}, sample {@code i} with seed {@code i} (plus the member's seed) and a
     * temperature spread evenly from {@code minTemperature} to {@code maxTemperature}; then the
     * samples are synthesized as usual.
     *
     * @param samples        number of samples, 1 to 16
     * @param minTemperature temperature of sample 1
     * @param maxTemperature temperature of sample N
     */
    record SelfMoa(int samples, double minTemperature, double maxTemperature) implements Strategy {
        public SelfMoa {
            if (samples < 1 || samples > 16) {
                throw new InvalidConfigurationException("self-moa samples must be between 1 and 16, was " + samples);
            }
            if (minTemperature < 0 || maxTemperature > 2 || minTemperature > maxTemperature) {
                throw new InvalidConfigurationException("self-moa temperatures must satisfy 0 <= min <= max <= 2, were "
                        + minTemperature + " and " + maxTemperature);
            }
        }

        @Override
        public StrategyKind kind() {
            return StrategyKind.SELF_MOA;
        }

        @Override
        public String name() {
            return "self-moa";
        }

        /**
         * The panel of samples for one base member (ids {@code <id>#1..N}, distinct seeds and temperatures);
         * every other setting of the member (timeout, retry policy, reasoning, extra body) is kept on each sample.
         */
        public List<Member> expand(Member base) {
            List<Member> out = new ArrayList<>();
            long seed0 = base.seed() != null ? base.seed() : 0;
            for (int i = 1; i <= samples; i++) {
                double t = samples == 1 ? minTemperature
                        : minTemperature + (maxTemperature - minTemperature) * (i - 1) / (samples - 1);
                t = Math.round(t * 1000) / 1000.0;
                out.add(new Member(base.id() + "#" + i, base.model(), base.timeout(), base.retry(), t, seed0 + i,
                        base.reasoning(), base.extraBody()));
            }
            return out;
        }
    }

    /**
     * {@code layered} Mixture-of-Agents: {@code rounds} panel rounds; in rounds 2..K every member
     * sees the previous round's successful answers (anonymized, shuffled) as references and answers
     * again; the judge synthesizes the last round. A later round that misses the quorum falls back
     * to the previous round's answers (noted). {@code FusionResult.rounds()} gives each round's cost
     * and wall time.
     *
     * @param rounds panel rounds, 2 to 8
     */
    record Layered(int rounds) implements Strategy {
        public Layered {
            if (rounds < 2 || rounds > 8) {
                throw new InvalidConfigurationException("layered rounds must be between 2 and 8, was " + rounds
                        + " (1 round is the synthesize strategy)");
            }
        }

        @Override
        public StrategyKind kind() {
            return StrategyKind.LAYERED;
        }

        @Override
        public String name() {
            return "layered";
        }
    }

    /**
     * {@code cascade}: the panel (cheap members) answers first; when enough answers agree by
     * {@code rule}, the representative answer is returned without calling the judge
     * ({@code judged=false}, path {@code agreed}, with the estimated saving). Otherwise the
     * {@code flagships}, if any, answer too (round 2), and the judge merges every answer.
     *
     * @param rule        how agreement is decided
     * @param minAgreeing how many answers must agree (at least 2), or {@link #ALL}: every successful
     *                    cheap answer, and at least two of them
     * @param flagships   members called only when the cheap answers disagree (may be empty)
     */
    record Cascade(AgreementRule rule, int minAgreeing, List<Member> flagships) implements Strategy {

        /** Threshold meaning every successful cheap answer must agree (and there must be at least two). */
        public static final int ALL = 0;

        public Cascade {
            Objects.requireNonNull(rule, "rule");
            if (minAgreeing != ALL && minAgreeing < 2) {
                throw new InvalidConfigurationException("cascade agreement threshold must be 'all' or at least 2, was "
                        + minAgreeing);
            }
            flagships = flagships == null ? List.of() : List.copyOf(flagships);
        }

        @Override
        public StrategyKind kind() {
            return StrategyKind.CASCADE;
        }

        @Override
        public String name() {
            return "cascade";
        }

        /** The same cascade with these flagship models (named {@code provider:model}). */
        public Cascade withFlagships(ChatModel... models) {
            return withFlagships(Arrays.stream(models).map(Member::of).toList());
        }

        /** The same cascade with these flagship members. */
        public Cascade withFlagships(List<Member> members) {
            return new Cascade(rule, minAgreeing, members);
        }
    }
}
