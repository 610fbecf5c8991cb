package dev.fusion.spring.boot;

import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A view of Fusion's configuration under fusion.*, bound by Spring for code that injects it (a bean of the
 * starter). <b>It is not what configures Fusion</b>: the starter reads the fusion.* properties as the
 * configuration file's keys ({@link dev.fusion.providers.config.FusionSpec}, the one list of keys, types and
 * rules, from which the IDE metadata is generated too). Keys added to the configuration after this class was
 * frozen are not here; values this view cannot hold are left out of it. The keys of Fusion's configuration file
 * are properties in Spring's relaxed form (budgetUsd is fusion.budget-usd, providers.local.baseUrl is
 * fusion.providers.local.base-url).
 * Map keys with : or . (price references) need brackets:
 * fusion.prices[openai:gpt-4.1].input=2.00. API keys are never properties: each provider
 * names a variable (api-key-env) that is read from Spring's Environment, so it may
 * come from the OS environment or any property source. Immutable.
 *
 * @param enabled              whether to create the Fusion bean
 * @param panel                panel models, provider:model ({@code fusion.panel=a,b} or {@code fusion.panel[0]=a}); an
 *                             entry may also carry the member's own settings: {@code fusion.panel[1].model=...},
 *                             {@code fusion.panel[1].reasoning=high}, {@code fusion.panel[1].extra-body[top_k]=40}
 * @param judge                judge model; more than one = fallback order
 * @param onJudgeFailure       fail or best-answer
 * @param quorum               panel answers needed before judging
 * @param graceMs              how long to wait for stragglers after the quorum, in milliseconds
 * @param memberTimeoutMs      per panel call timeout, in milliseconds
 * @param judgeTimeoutMs       per judge call timeout, in milliseconds
 * @param deadlineMs           whole-ask deadline, in milliseconds
 * @param maxOutputTokens      output token cap of panel calls
 * @param judgeMaxOutputTokens output token cap of judge calls
 * @param budgetUsd            per-ask budget in USD (calls that cannot fit are skipped)
 * @param allowUnpriced        allow models without a price under a budget
 * @param retries              retries per call
 * @param strategy             judge strategy: synthesize, analyze, select-best, self-moa, layered, cascade
 * @param samples              self-moa: samples per model
 * @param rounds               layered: panel rounds
 * @param agree                cascade: when the cheap answers agree
 * @param flagships            cascade: flagship models to escalate to
 * @param spendCapUsd          spend cap in USD over spendCapWindow (or the instance's life)
 * @param spendCapWindow       the spend cap's window, e.g. 24h or PT24H
 * @param providers            extra or overridden providers by name
 * @param providerLimits       concurrency and rate limits by provider name
 * @param prices               prices by provider:model, USD per million tokens
 * @param shared               where the spend cap and provider limits are shared with other instances
 *                             (Redis; needs dev.fusion:fusion-redis on the class path), or null
 * @param strategyOptions      options of the strategy by name ({@code fusion.strategy-options.rounds=3}), as the
 *                             config file's {@code strategyOptions}
 * @param sandbox              the offline sandbox: {@code fusion.sandbox.enabled=true} starts it in-process and
 *                             makes its providers ({@code sandbox-openai}, {@code sandbox-anthropic},
 *                             {@code sandbox-gemini}) and fictional prices available by name, with no key
 *                             (needs dev.fusion:fusion-sandbox-providers on the class path)
 *
 * <p>Unknown keys under {@code fusion.*} fail start-up, naming the key ({@code fusion.qourum}).
 *
 * @deprecated read the configuration as {@link dev.fusion.providers.config.FusionSpec} (its keys are the
 *             properties); this record no longer grows with it
 */
@Deprecated
public record FusionProperties(
        @DefaultValue("true") boolean enabled,
        List<PanelEntry> panel,
        List<String> judge,
        String onJudgeFailure,
        Integer quorum,
        Long graceMs,
        Long memberTimeoutMs,
        Long judgeTimeoutMs,
        Long deadlineMs,
        Integer maxOutputTokens,
        Integer judgeMaxOutputTokens,
        BigDecimal budgetUsd,
        @DefaultValue("false") boolean allowUnpriced,
        Integer retries,
        String strategy,
        Integer samples,
        Integer rounds,
        String agree,
        List<String> flagships,
        BigDecimal spendCapUsd,
        Duration spendCapWindow,
        Map<String, Provider> providers,
        Map<String, Limit> providerLimits,
        Map<String, Rates> prices,
        Shared shared,
        Sandbox sandbox,
        Map<String, Object> strategyOptions) {

    /** The canonical constructor, the one properties bind to. */
    @ConstructorBinding
    public FusionProperties {
        panel = panel == null ? List.of() : List.copyOf(panel);
        judge = judge == null ? List.of() : List.copyOf(judge);
        flagships = flagships == null ? null : List.copyOf(flagships);
        providers = providers == null ? Map.of() : Map.copyOf(providers);
        providerLimits = providerLimits == null ? Map.of() : Map.copyOf(providerLimits);
        prices = prices == null ? Map.of() : Map.copyOf(prices);
        strategyOptions = strategyOptions == null ? Map.of() : Map.copyOf(strategyOptions);
    }

    /** The properties without {@code sandbox}. */
    public FusionProperties(boolean enabled, List<PanelEntry> panel, List<String> judge, String onJudgeFailure,
                            Integer quorum, Long graceMs, Long memberTimeoutMs, Long judgeTimeoutMs, Long deadlineMs,
                            Integer maxOutputTokens, Integer judgeMaxOutputTokens, BigDecimal budgetUsd,
                            boolean allowUnpriced, Integer retries, String strategy, Integer samples, Integer rounds,
                            String agree, List<String> flagships, BigDecimal spendCapUsd, Duration spendCapWindow,
                            Map<String, Provider> providers, Map<String, Limit> providerLimits, Map<String, Rates> prices,
                            Shared shared) {
        this(enabled, panel, judge, onJudgeFailure, quorum, graceMs, memberTimeoutMs, judgeTimeoutMs, deadlineMs,
                maxOutputTokens, judgeMaxOutputTokens, budgetUsd, allowUnpriced, retries, strategy, samples, rounds,
                agree, flagships, spendCapUsd, spendCapWindow, providers, providerLimits, prices, shared, null, null);
    }

    /** The properties without {@code shared} (in-memory, per-instance spend and limits). */
    public FusionProperties(boolean enabled, List<String> panel, List<String> judge, String onJudgeFailure,
                            Integer quorum, Long graceMs, Long memberTimeoutMs, Long judgeTimeoutMs, Long deadlineMs,
                            Integer maxOutputTokens, Integer judgeMaxOutputTokens, BigDecimal budgetUsd,
                            boolean allowUnpriced, Integer retries, String strategy, Integer samples, Integer rounds,
                            String agree, List<String> flagships, BigDecimal spendCapUsd, Duration spendCapWindow,
                            Map<String, Provider> providers, Map<String, Limit> providerLimits, Map<String, Rates> prices) {
        this(enabled, panel == null ? null : panel.stream().map(PanelEntry::valueOf).toList(), judge, onJudgeFailure, quorum, graceMs, memberTimeoutMs, judgeTimeoutMs, deadlineMs,
                maxOutputTokens, judgeMaxOutputTokens, budgetUsd, allowUnpriced, retries, strategy, samples, rounds,
                agree, flagships, spendCapUsd, spendCapWindow, providers, providerLimits, prices, null, null, null);
    }

    /** Whether {@code fusion.sandbox.enabled} is true. */
    public boolean sandboxEnabled() {
        return sandbox != null && sandbox.enabled();
    }

    /** The panel's models, provider:model, in order. */
    public List<String> panelModels() {
        return panel.stream().map(PanelEntry::model).toList();
    }

    /**
     * A panel entry (the config file's panel entry): a model, and optionally the member's own
     * reasoning setting and extra body. Written as a plain {@code provider:model} string it binds
     * through {@link #valueOf(String)}.
     *
     * @param model     the model, provider:model
     * @param reasoning low, medium, high or a thinking budget in tokens; null for the request's
     * @param extraBody fields merged into this member's request body; map keys other than letters,
     *                  digits and '-' need brackets ({@code extra-body[top_k]}), and values from a
     *                  {@code .properties} file are strings (YAML keeps numbers and booleans)
     */
    public record PanelEntry(String model, String reasoning, Map<String, Object> extraBody) {

        /** The canonical constructor, the one properties bind to. */
        @ConstructorBinding
        public PanelEntry {
        }

        /** An entry with only a model: how {@code fusion.panel=a,b} and {@code fusion.panel[0]=a} bind. */
        public static PanelEntry valueOf(String model) {
            return new PanelEntry(model, null, null);
        }

        /** Whether it sets anything beyond the model. */
        public boolean hasSettings() {
            return reasoning != null || extraBody != null && !extraBody.isEmpty();
        }

        /** Extra body values may be credentials: only their names are shown. */
        @Override
        public String toString() {
            return "PanelEntry[" + model + (reasoning != null ? ", reasoning=" + reasoning : "")
                    + (extraBody != null ? ", extraBody=" + extraBody.keySet() : "") + "]";
        }
    }

    /**
     * Where the spend cap and provider limits live when several instances share them
     * (the config file's {@code shared:} map).
     *
     * @param redis         the Redis URL, redis://host:port/db or rediss://… (required when any other key is set)
     * @param namespace     the prefix of every key, so separate teams do not share a cap by accident
     * @param onUnavailable refuse (default: asks fail at once while Redis is down) or local
     *                      (per-instance state, with a note on every result while degraded)
     * @param leaseMs       how long a reservation or permit of a dead instance outlives it, in milliseconds
     */
    public record Shared(String redis, String namespace, String onUnavailable, Long leaseMs) {

        /** The URL's user and password (if any) are masked. */
        @Override
        public String toString() {
            return "Shared[redis=" + (redis == null ? null : redis.replaceAll("//[^@/]*@", "//***@")) + ", namespace="
                    + namespace + ", onUnavailable=" + onUnavailable + ", leaseMs=" + leaseMs + "]";
        }
    }

    /**
     * The offline sandbox (fictional models and prices on a loopback server started in-process).
     *
     * @param enabled whether to start it and make its providers and prices available by name
     */
    public record Sandbox(boolean enabled) {
    }

    /**
     * A provider endpoint.
     *
     * @param kind           wire format: openai, anthropic or gemini
     * @param baseUrl        the API's base URL
     * @param apiKeyEnv      the variable holding the API key, read from the Spring Environment
     * @param maxTokensParam OpenAI-compatible only: the name of the max-tokens field
     * @param headers        extra HTTP headers
     * @param extraBody      fields merged into every request body of this provider (the config file's
     *                       {@code extraBody}), e.g. {@code fusion.providers.router.extra-body.provider.data_collection=deny};
     *                       map keys other than letters, digits and '-' need brackets
     *                       ({@code extra-body[top_k]}), and values from a {@code .properties} file are strings
     *                       (YAML keeps numbers and booleans)
     * @param capabilities   what the API documents beyond text, where it differs from the kind's defaults
     */
    public record Provider(String kind, String baseUrl, String apiKeyEnv, String maxTokensParam, Map<String, String> headers,
                           Map<String, Object> extraBody, CapabilitySettings capabilities) {

        /** The canonical constructor, the one properties bind to. */
        @ConstructorBinding
        public Provider {
        }

        /** A provider without extra body or capabilities (the form before issue 14). */
        public Provider(String kind, String baseUrl, String apiKeyEnv, String maxTokensParam, Map<String, String> headers) {
            this(kind, baseUrl, apiKeyEnv, maxTokensParam, headers, null, null);
        }

        /** Header values and extra body values may be credentials: only their names are shown. */
        @Override
        public String toString() {
            return "Provider[kind=" + kind + ", baseUrl=" + baseUrl + ", apiKeyEnv=" + apiKeyEnv + ", maxTokensParam="
                    + maxTokensParam + ", headers=" + (headers == null ? "{}" : headers.keySet())
                    + (extraBody == null ? "" : ", extraBody=" + extraBody.keySet())
                    + (capabilities == null ? "" : ", capabilities=" + capabilities) + "]";
        }
    }

    /**
     * A provider's capabilities (the config file's {@code capabilities}); each one left out is the
     * kind's default. Values as in {@code fusion-providers/CAPABILITIES.md}.
     *
     * @param structuredOutput json-schema, json-object or prompt-only
     * @param images           supported or unsupported
     * @param reasoning        effort, openrouter or none
     */
    public record CapabilitySettings(String structuredOutput, String images, String reasoning) {
    }

    /**
     * A provider's limits.
     *
     * @param maxConcurrent     calls in flight at most
     * @param requestsPerMinute calls started per minute at most
     * @param tokensPerMinute   tokens (estimated when a call starts, settled to the reported usage) per minute at most
     */
    public record Limit(Integer maxConcurrent, Integer requestsPerMinute, Integer tokensPerMinute) {

        /** The canonical constructor, the one properties bind to. */
        @ConstructorBinding
        public Limit {
        }

        /** Limits without a tokens-per-minute limit. */
        public Limit(Integer maxConcurrent, Integer requestsPerMinute) {
            this(maxConcurrent, requestsPerMinute, null);
        }
    }

    /**
     * A model's price, USD per million tokens.
     *
     * @param input        uncached input
     * @param output       output
     * @param cacheRead    input read from the prompt cache
     * @param cacheWrite   input written to the prompt cache
     * @param cacheWrite1h input written to the 1-hour prompt cache
     * @param reasoning    reasoning tokens, when priced apart from output
     */
    public record Rates(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite,
                        BigDecimal cacheWrite1h, BigDecimal reasoning) {
    }
}
