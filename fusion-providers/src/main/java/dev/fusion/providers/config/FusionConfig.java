package dev.fusion.providers.config;

import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.OnJudgeFailure;
import dev.fusion.cost.Price;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Fusion configuration file (YAML or JSON), parsed and validated into a {@link FusionSpec}.
 *
 * <pre>{@code
 * providers:                 # extra or overridden providers; presets exist without this
 *   local: {kind: openai, baseUrl: "http://127.0.0.1:8080/v1", apiKeyEnv: LOCAL_KEY}
 * panel: [local:cheap-a, anthropic:claude-haiku-4-5, gemini:gemini-3-flash]
 * judge: local:judge-model      # a model, or a list = fallback order
 * onJudgeFailure: fail          # fail | best-answer
 * quorum: 2
 * graceMs: 2000
 * memberTimeoutMs: 30000
 * deadlineMs: 120000
 * maxOutputTokens: 1024
 * budgetUsd: 0.05
 * prices:                       # USD per million tokens; overrides the bundled book
 *   local:cheap-a: {input: 0.27, output: 1.10, cacheRead: 0.07}
 * }</pre>
 * Also: {@code judgeMaxOutputTokens}, {@code judgeTimeoutMs}, {@code allowUnpriced}, {@code retries},
 * {@code providerLimits: {name: {maxConcurrent, requestsPerMinute}}}, {@code strategy} (default
 * {@code synthesize}), {@code spendCapUsd} + {@code spendCapWindow} (ISO-8601, e.g. {@code PT24H}).
 * A panel entry may be an object {@code {model: provider:model, reasoning: high|<tokens>, extraBody: {...}}}
 * ({@link FusionSpec.PanelEntry}); a provider also takes {@code extraBody: {...}} and
 * {@code capabilities: {structuredOutput, images, reasoning}} ({@link FusionSpec.CapabilitiesEntry}).
 * The keys and their types are the components of {@link FusionSpec}. Unknown keys, wrong types and
 * bad values fail with {@link InvalidConfigurationException} (a {@link ConfigKeyException} for a
 * key) naming the key, the fix and the line and column. Numbers are read as exact decimals.
 *
 * <p>Reading is bounded: a file over 1 MiB, a string over 64 KiB, a number over 100 digits, nesting
 * deeper than 16 levels and YAML aliases are refused before or while parsing, with the limit named.
 *
 * <p>Member ids are exactly the model strings as written. Immutable and thread-safe.
 */
public final class FusionConfig {

    /** Top-level keys, in documentation order. */
    public static final List<String> KEYS = FusionSpec.KEYS;
    /** Judge strategies this version supports. */
    public static final List<String> STRATEGIES = FusionSpec.STRATEGIES;

    /** Which syntax a config text is in. */
    public enum Format { YAML, JSON }

    /** A provider limit from {@code providerLimits} (0 = no limit). */
    public record Limit(int maxConcurrent, int requestsPerMinute, int tokensPerMinute) {
        /** A limit without a tokens-per-minute bucket. */
        public Limit(int maxConcurrent, int requestsPerMinute) {
            this(maxConcurrent, requestsPerMinute, 0);
        }
    }

    private final FusionSpec spec;

    private FusionConfig(FusionSpec spec) {
        this.spec = spec.validate();
    }

    // ------------------------------------------------------------------ loading

    /**
     * Reads a file; YAML for {@code .yaml}/{@code .yml}, JSON for {@code .json}, else by content.
     *
     * @throws InvalidConfigurationException when the file is missing, a directory, unreadable, empty,
     *         over the size limit, not valid YAML/JSON, or holds a bad key or value
     */
    public static FusionConfig load(Path file) {
        return new FusionConfig(SpecReader.read(file));
    }

    /** Parses text, detecting the format: JSON when it starts with '{', else YAML. */
    public static FusionConfig parse(String text) {
        return parse(text, SpecReader.detect(text));
    }

    /** Parses text in the given format. */
    public static FusionConfig parse(String text, Format format) {
        return new FusionConfig(SpecReader.read(text == null ? "" : text, format));
    }

    /**
     * A configuration another configuration system already parsed into a tree of the config file's keys
     * (the Spring Boot starter's {@code fusion.*} properties): bound and validated by the same types, rules
     * and messages as a file; a problem is a {@link ConfigKeyException} naming the key path, without a line.
     *
     * @throws InvalidConfigurationException for an unknown key, a wrong type or a bad value
     */
    public static FusionConfig fromTree(com.fasterxml.jackson.databind.JsonNode tree) {
        return new FusionConfig(SpecReader.read(tree));
    }

    /** A config from a spec built in code (validated). */
    public static FusionConfig of(FusionSpec spec) {
        return new FusionConfig(spec);
    }

    // ------------------------------------------------------------------ building

    /**
     * A {@link Fusion.Builder} with this configuration: the config's providers added to
     * {@code providers}, the panel and judges resolved (member ids are the model strings as written),
     * the bundled price book with the config's prices over it, and every policy set. The caller may
     * adjust it further (listeners, scheduler) before {@code build()}.
     *
     * @throws InvalidConfigurationException for an unknown provider or a missing key
     */
    public Fusion.Builder toFusionBuilder(Providers providers) {
        return spec.toFusionBuilder(providers);
    }

    /** {@code toFusionBuilder(providers).build()}. */
    public Fusion build(Providers providers) {
        return toFusionBuilder(providers).build();
    }

    // ------------------------------------------------------------------ accessors

    /** The configuration as one immutable value. */
    public FusionSpec spec() { return spec; }
    public Map<String, ProviderSpec> providers() { return spec.providerSpecs(); }
    public List<String> panel() { return spec.panel(); }
    /** The judge first, then fallbacks in order. */
    public List<String> judges() { return spec.judge(); }
    public OnJudgeFailure onJudgeFailure() { return spec.onJudgeFailure(); }
    public Integer quorum() { return spec.quorum(); }
    public Duration grace() { return millis(spec.graceMs()); }
    public Duration memberTimeout() { return millis(spec.memberTimeoutMs()); }
    public Duration judgeTimeout() { return millis(spec.judgeTimeoutMs()); }
    public Duration deadline() { return millis(spec.deadlineMs()); }
    public Integer maxOutputTokens() { return spec.maxOutputTokens(); }
    public Integer judgeMaxOutputTokens() { return spec.judgeMaxOutputTokens(); }
    public BigDecimal budgetUsd() { return spec.budgetUsd(); }
    public boolean allowUnpriced() { return Boolean.TRUE.equals(spec.allowUnpriced()); }
    public Integer retries() { return spec.retries(); }

    public Map<String, Limit> providerLimits() {
        Map<String, Limit> out = new LinkedHashMap<>();
        spec.providerLimits().forEach((k, v) -> out.put(k, new Limit(v.maxConcurrent() == null ? 0 : v.maxConcurrent(),
                v.requestsPerMinute() == null ? 0 : v.requestsPerMinute(),
                v.tokensPerMinute() == null ? 0 : v.tokensPerMinute())));
        return Collections.unmodifiableMap(out);
    }

    /** The judge strategy name (default {@code synthesize}). */
    public String strategy() { return spec.effectiveStrategy().effectiveName(); }

    /** The strategy's options ({@code samples}, {@code rounds}, {@code agree}, {@code flagships}, ...), possibly empty. */
    public Map<String, Object> strategyOptions() { return spec.effectiveStrategy().options(); }
    public BigDecimal spendCapUsd() { return spec.spendCapUsd(); }
    public Duration spendCapWindow() { return spec.spendCapWindow(); }
    /** The {@code shared:} store, or null (in-memory, per instance). */
    public dev.fusion.shared.SharedStateOptions shared() { return SharedConfig.parse(spec.shared()); }
    /** Price overrides by {@code provider:model}. */
    public Map<String, Price> prices() { return spec.priceOverrides(); }

    private static Duration millis(Long ms) {
        return ms == null ? null : Duration.ofMillis(ms);
    }

    @Override
    public String toString() {
        return "FusionConfig[panel=" + spec.panel() + ", judges=" + spec.judge() + ", quorum=" + spec.quorum()
                + ", providers=" + spec.providers().keySet() + ", prices=" + spec.prices().keySet() + "]";
    }
}
