package dev.fusion.providers.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ExtraBody;
import dev.fusion.model.Reasoning;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Capabilities;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.internal.ObjectMappers;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The whole Fusion configuration as one immutable value: <b>each component is one config key</b>,
 * named exactly as it is written in a config file, in documentation order. Jackson binds it from
 * YAML or JSON ({@link FusionConfig#load}); code builds it with {@link #of} and the withers; the CLI
 * applies its flags with {@link #with(Overrides)}. Every rule about values lives in {@link #validate()},
 * and {@link #toFusionBuilder(Providers, PriceBook)} is the one mapping onto {@link Fusion.Builder}.
 *
 * <p>Components are null when the key is not set (the builder's default applies). Whole numbers of
 * milliseconds are {@code Long}, counts are {@code Integer}, dollars are exact {@code BigDecimal}.
 * The top-level strategy options ({@code samples}, {@code rounds}, {@code agree}, {@code flagships})
 * and {@code strategyOptions} are kept as written; {@link #effectiveStrategy()} folds them into the
 * strategy that runs.
 *
 * <p>Adding a key is adding a component here (and its use in {@link #toFusionBuilder}); the list of
 * valid keys in error messages ({@link #KEYS}) is read from the components, and so are the Spring Boot
 * starter's {@code fusion.*} properties and their IDE metadata (a starter test fails until the metadata file
 * is regenerated). A number key declares its smallest value with {@link Min}.
 *
 * <p>Immutable and thread-safe; {@link #toString()} never shows a literal API key.
 *
 * @param providers            extra or overridden providers by name
 * @param panel                panel models as {@code provider:model}; also accepted as one string. An entry may
 *                             also be an object {@code {model, reasoning, extraBody}} ({@link PanelEntry}): the
 *                             list is then still the model strings, and {@link #panelEntries()} has the settings
 * @param judge                the judge model, then fallbacks in order; also accepted as one string
 * @param onJudgeFailure       {@code fail} or {@code best-answer}
 * @param quorum               minimum successful panel answers (at least 1, at most the panel size)
 * @param graceMs              wait for stragglers after the quorum (milliseconds, 0 or more)
 * @param memberTimeoutMs      per panel call (milliseconds, positive)
 * @param judgeTimeoutMs       per judge call (milliseconds, positive)
 * @param deadlineMs           the whole ask (milliseconds, positive)
 * @param maxOutputTokens      per panel call (at least 1)
 * @param judgeMaxOutputTokens per judge call (at least 1)
 * @param budgetUsd            hard per-ask budget in USD (0 or more)
 * @param allowUnpriced        lets unpriced models run under a budget or cap
 * @param retries              retries per call, panel and judge (0 or more)
 * @param providerLimits       per-provider concurrency and rate limits
 * @param strategy             the judge strategy and its options (default {@code synthesize})
 * @param strategyOptions      strategy options as a map (see {@link #effectiveStrategy()})
 * @param samples              strategy option written at the top level (see {@link #effectiveStrategy()})
 * @param rounds               strategy option written at the top level (see {@link #effectiveStrategy()})
 * @param agree                strategy option written at the top level (see {@link #effectiveStrategy()})
 * @param flagships            strategy option written at the top level (see {@link #effectiveStrategy()})
 * @param spendCapUsd          spend cap across asks of one instance, in USD (0 or more)
 * @param spendCapWindow       the cap's window, ISO-8601 ({@code PT24H}); needs {@code spendCapUsd}
 * @param prices               price overrides by {@code provider:model}, USD per million tokens
 * @param shared               where the spend cap and provider limits are shared with other instances
 *                             ({@code {redis, namespace, onUnavailable, leaseMs}}; see {@link SharedConfig})
 * @param sandbox              {@code true} (or {@code {enabled: true}}): the program reading the config starts the
 *                             offline sandbox in-process and makes its providers ({@code sandbox-openai},
 *                             {@code sandbox-anthropic}, {@code sandbox-gemini}) and fictional prices available by
 *                             name (the CLI and the Spring Boot starter do; {@link #toFusionBuilder} alone does not)
 */
public record FusionSpec(
        Map<String, Provider> providers,
        @JsonDeserialize(using = SpecValues.PanelModels.class) List<String> panel,
        @JsonDeserialize(using = SpecValues.Models.class) List<String> judge,
        OnJudgeFailure onJudgeFailure,
        @Min(1) Integer quorum,
        @Min(0) Long graceMs,
        @Min(1) Long memberTimeoutMs,
        @Min(1) Long judgeTimeoutMs,
        @Min(1) Long deadlineMs,
        @Min(1) Integer maxOutputTokens,
        @Min(1) Integer judgeMaxOutputTokens,
        @Min(0) BigDecimal budgetUsd,
        Boolean allowUnpriced,
        @Min(0) Integer retries,
        Map<String, Limit> providerLimits,
        StrategySpec strategy,
        Map<String, Object> strategyOptions,
        Object samples,
        Object rounds,
        Object agree,
        Object flagships,
        @Min(0) BigDecimal spendCapUsd,
        Duration spendCapWindow,
        Map<String, PriceEntry> prices,
        JsonNode shared,
        @JsonDeserialize(using = SpecValues.SandboxValue.class) SandboxEntry sandbox) {

    /** The config keys, in documentation order (the components of this record). */
    public static final List<String> KEYS = keysOf(FusionSpec.class);

    /** Judge strategies this version supports. */
    public static final List<String> STRATEGIES = Strategy.names();

    /** Strategy options that may also be written at the top level (e.g. {@code rounds: 3}). */
    static final List<String> STRATEGY_OPTION_KEYS = List.of("samples", "rounds", "agree", "flagships");

    private static final ObjectMapper JSON = ObjectMappers.WIRE;

    public FusionSpec {
        providers = copy(providers);
        panel = panel == null ? null : PanelList.copyOf(panel);
        judge = judge == null ? null : Collections.unmodifiableList(new ArrayList<>(judge));
        providerLimits = copy(providerLimits);
        strategyOptions = strategyOptions == null ? null : frozenMap(strategyOptions);
        samples = frozen(samples);
        rounds = frozen(rounds);
        agree = frozen(agree);
        flagships = frozen(flagships);
        prices = copy(prices);
        shared = shared == null || shared.isNull() ? null : shared.deepCopy();
    }

    /** The spec without a {@code sandbox} key (the form before it existed). */
    public FusionSpec(Map<String, Provider> providers, List<String> panel, List<String> judge,
                      OnJudgeFailure onJudgeFailure, Integer quorum, Long graceMs, Long memberTimeoutMs,
                      Long judgeTimeoutMs, Long deadlineMs, Integer maxOutputTokens, Integer judgeMaxOutputTokens,
                      BigDecimal budgetUsd, Boolean allowUnpriced, Integer retries, Map<String, Limit> providerLimits,
                      StrategySpec strategy, Map<String, Object> strategyOptions, Object samples, Object rounds,
                      Object agree, Object flagships, BigDecimal spendCapUsd, Duration spendCapWindow,
                      Map<String, PriceEntry> prices, JsonNode shared) {
        this(providers, panel, judge, onJudgeFailure, quorum, graceMs, memberTimeoutMs, judgeTimeoutMs, deadlineMs,
                maxOutputTokens, judgeMaxOutputTokens, budgetUsd, allowUnpriced, retries, providerLimits, strategy,
                strategyOptions, samples, rounds, agree, flagships, spendCapUsd, spendCapWindow, prices, shared, null);
    }

    /** Whether {@code sandbox} is set to true: the reader of this config starts the offline sandbox. */
    public boolean sandboxEnabled() {
        return sandbox != null && sandbox.enabled();
    }

    /** With {@code sandbox} on or off. */
    public FusionSpec withSandbox(boolean enabled) {
        return withComponent("sandbox", new SandboxEntry(enabled));
    }

    /**
     * The strategy to run: {@code strategy}'s name (default {@code synthesize}) with the options from
     * the strategy object, then {@code strategyOptions}, then the top-level options, later ones winning.
     */
    public StrategySpec effectiveStrategy() {
        Map<String, Object> opts = new LinkedHashMap<>(strategy == null ? Map.of() : strategy.options());
        if (strategyOptions != null) {
            opts.putAll(strategyOptions);
        }
        Object[] aliases = {samples, rounds, agree, flagships};
        for (int i = 0; i < aliases.length; i++) {
            if (aliases[i] != null) {
                opts.put(STRATEGY_OPTION_KEYS.get(i), aliases[i]);
            }
        }
        return new StrategySpec(strategy == null ? null : strategy.name(), opts);
    }

    /**
     * The panel entries with their own settings, in order ({@link #panel()} is their model strings);
     * null when {@code panel} is not set.
     */
    public List<PanelEntry> panelEntries() {
        return panel == null ? null : ((PanelList) panel).entries();
    }

    /** With {@code panel} set to these entries (their settings included). */
    public FusionSpec withPanelEntries(List<PanelEntry> entries) {
        return withComponent("panel", entries == null ? null : PanelList.ofEntries(entries));
    }

    // ------------------------------------------------------------------ nested values

    /**
     * The {@code sandbox:} key: {@code true}, {@code false} or {@code {enabled: true|false}}.
     *
     * @param enabled whether the reader of the config starts the offline sandbox
     */
    public record SandboxEntry(boolean enabled) {
    }

    /**
     * A provider under {@code providers:}; {@link #toProviderSpec()} is the validated form.
     *
     * @param kind           the wire format (required)
     * @param baseUrl        the API root (required)
     * @param apiKeyEnv      the environment variable holding the key, or null for a keyless server
     * @param apiKey         a literal key (discouraged); never shown by {@link #toString()}
     * @param maxTokensParam {@code max_tokens} (default) or {@code max_completion_tokens}
     * @param headers        extra non-secret headers
     * @param extraBody      fields merged into every request body of this provider, as they are (e.g.
     *                       OpenRouter's {@code provider} preferences); a panel entry's own {@code extraBody}
     *                       wins on the same key; one colliding with a field Fusion sets is a configuration error
     * @param capabilities   what the API documents beyond text, where it differs from the kind's defaults
     *                       ({@code {structuredOutput: json-object, images: unsupported, reasoning: none}})
     */
    public record Provider(ProviderKind kind, String baseUrl, String apiKeyEnv, String apiKey, String maxTokensParam,
                           Map<String, String> headers, Map<String, Object> extraBody, CapabilitiesEntry capabilities) {
        public Provider {
            headers = headers == null ? null : copy(headers);
            extraBody = extraBody == null ? null : frozenMap(extraBody);
        }

        /** A provider without extra body or capabilities of its own (the form before issue 14). */
        public Provider(ProviderKind kind, String baseUrl, String apiKeyEnv, String apiKey, String maxTokensParam,
                        Map<String, String> headers) {
            this(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, null, null);
        }

        /** The provider as {@link Providers} takes it. */
        public ProviderSpec toProviderSpec() {
            return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers,
                    capabilities == null || kind == null ? null : capabilities.over(Capabilities.defaults(kind)), extraBody);
        }

        @Override
        public String toString() {
            return "Provider[" + kind + " " + dev.fusion.providers.internal.Printable.url(baseUrl)
                    + (apiKeyEnv != null ? ", key from $" + dev.fusion.providers.internal.Printable.keyEnv(apiKeyEnv) : "")
                    + (apiKey != null ? ", literal key ***" : "") + "]";
        }
    }

    /**
     * A provider's {@code capabilities:} as written: each one left out is the kind's default
     * ({@link Capabilities#defaults}). Values as in {@code fusion-providers/CAPABILITIES.md}, any case,
     * {@code -} or {@code _}: {@code structuredOutput: json-schema|json-object|prompt-only},
     * {@code images: supported|unsupported}, {@code reasoning: effort|openrouter|none}.
     *
     * @param structuredOutput how answers are constrained to JSON
     * @param images           whether prompts may carry images
     * @param reasoning        how an OpenAI-compatible API takes a reasoning setting
     */
    public record CapabilitiesEntry(Capabilities.StructuredOutput structuredOutput, Capabilities.ImageInput images,
                                    Capabilities.ReasoningControl reasoning) {

        /** These capabilities over {@code defaults}. */
        public Capabilities over(Capabilities defaults) {
            return new Capabilities(structuredOutput != null ? structuredOutput : defaults.structuredOutput(),
                    images != null ? images : defaults.images(), reasoning != null ? reasoning : defaults.reasoning());
        }
    }

    /**
     * One panel entry: {@code openrouter:x}, or {@code {model: openrouter:x, reasoning: high,
     * extraBody: {provider: {order: [deepinfra]}}}}.
     *
     * @param model     the model as {@code provider:model} (required); the member's id
     * @param reasoning this member's reasoning setting ({@code low}, {@code medium}, {@code high} or a
     *                  thinking budget in tokens), whatever the request says; null for the request's
     * @param extraBody fields merged into this member's request body as they are (over its provider's
     *                  {@code extraBody}); one colliding with a field Fusion sets is a configuration error;
     *                  empty when not set
     */
    public record PanelEntry(String model, Reasoning reasoning, Map<String, Object> extraBody) {
        public PanelEntry {
            extraBody = extraBody == null ? Map.of() : frozenMap(extraBody);
        }

        /** An entry with only a model (the string form). */
        public static PanelEntry of(String model) {
            return new PanelEntry(model, null, Map.of());
        }

        /** Whether it sets anything beyond the model (else the string form says it all). */
        public boolean hasSettings() {
            return reasoning != null || !extraBody.isEmpty();
        }
    }

    /**
     * A provider's limits under {@code providerLimits:} (null or 0 = no limit).
     *
     * @param maxConcurrent     calls in flight at once
     * @param requestsPerMinute call starts per minute
     * @param tokensPerMinute   estimated tokens per minute (reserved at start, settled to what was reported)
     */
    public record Limit(@Min(0) Integer maxConcurrent, @Min(0) Integer requestsPerMinute, @Min(0) Integer tokensPerMinute) {
    }

    /**
     * A price under {@code prices:}, USD per million tokens; {@link #toPrice(String)} is the validated form.
     *
     * @param input        input tokens (required)
     * @param output       output tokens (required)
     * @param cacheRead    cached input read
     * @param cacheWrite   cache write (5 minutes)
     * @param cacheWrite1h cache write (1 hour)
     * @param reasoning    reasoning tokens
     * @param tiers        long-context tiers, as in the bundled price book
     * @param source       where the figures came from (default {@code config})
     * @param asOf         when they were read, {@code 2026-11-20}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PriceEntry(BigDecimal input, BigDecimal output, BigDecimal cacheRead, BigDecimal cacheWrite,
                             BigDecimal cacheWrite1h, BigDecimal reasoning, JsonNode tiers, String source, String asOf) {
        public PriceEntry {
            tiers = tiers == null ? null : tiers.deepCopy();
        }

        /** The tiers as written (a copy: the tree itself is mutable). */
        @Override
        public JsonNode tiers() {
            return tiers == null ? null : tiers.deepCopy();
        }

        /**
         * The price for {@code model}, read by the same rules as the bundled price book.
         *
         * @throws IllegalArgumentException for a missing or negative rate, a bad tier or date
         */
        public Price toPrice(String model) {
            ObjectNode n = JSON.valueToTree(this);
            if (!n.hasNonNull("source")) {
                n.put("source", "config");
            }
            ObjectNode book = JSON.createObjectNode();
            book.putObject("models").set(model, n);
            return PriceBook.fromJson(book).entries().get(model);
        }
    }

    /**
     * A judge strategy and its options ({@code strategy: layered} with {@code rounds: 3}, or
     * {@code strategy: {name: layered, rounds: 3}}).
     *
     * @param name    {@code synthesize} (when null), {@code analyze}, {@code select-best}, {@code self-moa},
     *                {@code layered} or {@code cascade}
     * @param options the strategy's options, possibly empty
     */
    @JsonDeserialize(using = SpecValues.StrategyValue.class)
    public record StrategySpec(String name, Map<String, Object> options) {
        public StrategySpec {
            options = options == null ? Map.of() : frozenMap(options);
        }

        /** The name, {@code synthesize} when none was given. */
        public String effectiveName() {
            return name == null ? "synthesize" : name;
        }
    }

    /**
     * Values that replace the spec's for one run, e.g. the CLI's {@code --panel}, {@code --judge},
     * {@code --quorum}, {@code --budget}, {@code --timeout} and {@code --strategy}; null = keep.
     * Each component is named after the config key it replaces (adding an override is adding a component).
     *
     * @param panel      replaces {@code panel}
     * @param judge      replaces {@code judge}
     * @param quorum     replaces {@code quorum}
     * @param budgetUsd  replaces {@code budgetUsd}
     * @param deadlineMs replaces {@code deadlineMs}
     * @param strategy   replaces the strategy and every strategy option
     */
    public record Overrides(List<String> panel, List<String> judge, Integer quorum, BigDecimal budgetUsd,
                            Long deadlineMs, StrategySpec strategy) {
        /** The config keys that these overrides set (each component is named after the key it replaces). */
        public Set<String> keys() {
            return set(this).keySet();
        }

        /** The non-null overrides by config key, in declaration order. */
        private static Map<String, Object> set(Overrides o) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (RecordComponent c : Overrides.class.getRecordComponents()) {
                try {
                    Object v = c.getAccessor().invoke(o);
                    if (v != null) {
                        out.put(c.getName(), v);
                    }
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            }
            return out;
        }
    }

    // ------------------------------------------------------------------ construction

    /** A spec with only a panel and a judge chain (everything else at its default). */
    public static FusionSpec of(List<String> panel, List<String> judge) {
        return empty().withComponent("panel", panel).withComponent("judge", judge);
    }

    /** A spec with nothing set (not valid until it has a panel and a judge). */
    public static FusionSpec empty() {
        return EMPTY;
    }


    /** With {@code quorum} set. */
    public FusionSpec withQuorum(Integer quorum) {
        return withComponent("quorum", quorum);
    }

    /** With {@code allowUnpriced} set. */
    public FusionSpec withAllowUnpriced(Boolean allow) {
        return withComponent("allowUnpriced", allow);
    }

    /**
     * This spec with the overrides' non-null values in place of its own: the precedence
     * config, then flags. A strategy override replaces the strategy and all of its options.
     */
    public FusionSpec with(Overrides o) {
        FusionSpec s = this;
        if (o.strategy() != null) {
            s = s.withComponent("strategyOptions", null);
            for (String k : STRATEGY_OPTION_KEYS) {
                s = s.withComponent(k, null);
            }
        }
        for (Map.Entry<String, Object> e : Overrides.set(o).entrySet()) {
            s = s.withComponent(e.getKey(), e.getValue());
        }
        return s;
    }

    private static final RecordComponent[] COMPONENTS = FusionSpec.class.getRecordComponents();
    private static final Constructor<FusionSpec> CANONICAL = canonical();

    private static Constructor<FusionSpec> canonical() {
        try {
            return FusionSpec.class.getDeclaredConstructor(
                    Arrays.stream(COMPONENTS).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final FusionSpec EMPTY = newSpec(new Object[COMPONENTS.length]);

    private static FusionSpec newSpec(Object[] args) {
        try {
            return CANONICAL.newInstance(args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A copy with one component replaced (by its key name). */
    private FusionSpec withComponent(String key, Object value) {
        Object[] args = new Object[COMPONENTS.length];
        boolean found = false;
        try {
            for (int i = 0; i < COMPONENTS.length; i++) {
                if (COMPONENTS[i].getName().equals(key)) {
                    args[i] = value;
                    found = true;
                } else {
                    args[i] = COMPONENTS[i].getAccessor().invoke(this);
                }
            }
            if (!found) {
                throw new IllegalArgumentException("no config key " + key);
            }
            return newSpec(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ validation: the one place

    /**
     * Checks every key: required keys present, values in range, names well-formed, the strategy
     * and its options known, prices readable.
     *
     * @return this spec
     * @throws ConfigKeyException naming the key and the fix
     */
    public FusionSpec validate() {
        providers.forEach((name, p) -> {
            String key = "providers." + name;
            if (p == null) {
                throw ConfigKeyException.bad(key, "must be {kind: openai|anthropic|gemini, baseUrl: ..., apiKeyEnv: ...}, was empty");
            }
            if (p.kind() == null) {
                throw ConfigKeyException.bad(key + ".kind", "is missing; set it to openai, anthropic or gemini");
            }
            if (p.baseUrl() == null) {
                throw ConfigKeyException.bad(key + ".baseUrl", "is missing; set the provider's API root URL");
            }
            extraBody(key + ".extraBody", p.extraBody());
            try {
                p.toProviderSpec();
            } catch (InvalidConfigurationException e) {
                throw ConfigKeyException.of(key, e.getMessage(), e);
            }
            if (!name.matches("[a-z0-9][a-z0-9._-]*")) {
                throw ConfigKeyException.bad(key, "is not a valid provider name; use lower-case letters, digits, '.', '_' or '-'");
            }
        });
        if (panel == null) {
            throw ConfigKeyException.bad("panel", "is missing; list the panel models, e.g. panel: [openrouter:deepseek/deepseek-v4-pro, gemini:gemini-3-flash]");
        }
        List<PanelEntry> entries = panelEntries();
        for (int i = 0; i < entries.size(); i++) {
            PanelEntry e = entries.get(i);
            String key = "panel[" + i + "]";
            if (e == null) {
                throw ConfigKeyException.bad(key, "is empty; write provider:model or {model: provider:model, ...}");
            }
            if (e.model() == null || e.model().isBlank()) {
                throw ConfigKeyException.bad(key + ".model", "is missing; name the model as provider:model, e.g."
                        + " {model: openrouter:deepseek/deepseek-v4-pro, reasoning: high}");
            }
            try {
                ModelRef.parse(e.model());
            } catch (IllegalArgumentException x) {
                throw ConfigKeyException.bad(e.hasSettings() ? key + ".model" : "panel", x.getMessage());
            }
            extraBody(key + ".extraBody", e.extraBody());
        }
        if (panel.isEmpty()) {
            throw ConfigKeyException.bad("panel", "is empty; list at least one model as provider:model");
        }
        if (Set.copyOf(panel).size() != panel.size()) {
            throw ConfigKeyException.bad("panel", "lists a model twice; each panel entry must be distinct");
        }
        if (judge == null) {
            throw ConfigKeyException.bad("judge", "is missing; name a judge model, e.g. judge: anthropic:claude-opus-4-8 (or a list for fallbacks)");
        }
        models(judge, "judge");
        if (judge.isEmpty()) {
            throw ConfigKeyException.bad("judge", "is empty; name at least one judge model");
        }
        minimums(this, "");
        Strategy parsed = checkStrategy();
        // self-moa samples its one model: the quorum counts samples.
        int members = parsed instanceof Strategy.SelfMoa moa && panel.size() == 1 ? moa.samples() : panel.size();
        if (quorum != null && quorum > members) {
            throw ConfigKeyException.bad("quorum", "is " + quorum + " but the panel has only " + members
                    + " member(s); lower quorum or add panel members");
        }
        providerLimits.forEach((name, l) -> {
            if (l == null) {
                throw ConfigKeyException.bad("providerLimits." + name, "must be {maxConcurrent: 8, requestsPerMinute: 60}, was empty");
            }
            minimums(l, "providerLimits." + name + ".");
        });
        SharedConfig.parse(shared); // validates shared: (its keys, URL, onUnavailable, leaseMs)
        if (spendCapWindow != null) {
            if (spendCapUsd == null) {
                throw ConfigKeyException.bad("spendCapWindow", "is set without spendCapUsd; add spendCapUsd or remove the window");
            }
            if (spendCapWindow.isZero() || spendCapWindow.isNegative()) {
                throw ConfigKeyException.bad("spendCapWindow", "must be positive, was " + spendCapWindow);
            }
        }
        prices.forEach((model, p) -> price(model, p));
        return this;
    }

    /** The strategy with its options checked (flagship models are resolved when building). */
    private Strategy checkStrategy() {
        StrategySpec strategy = effectiveStrategy();
        if (!STRATEGIES.contains(strategy.effectiveName())) {
            throw ConfigKeyException.bad("strategy", "'" + strategy.name() + "' is not supported; valid strategies: " + STRATEGIES);
        }
        try {
            Map<String, Object> check = new LinkedHashMap<>(strategy.options());
            check.remove("flagships");
            return Strategy.parse(strategy.effectiveName(), check);
        } catch (InvalidConfigurationException e) {
            throw ConfigKeyException.bad("strategy", e.getMessage());
        }
    }

    private static void models(List<String> refs, String key) {
        for (String s : refs) {
            try {
                ModelRef.parse(s);
            } catch (IllegalArgumentException e) {
                throw ConfigKeyException.bad(key, e.getMessage());
            }
        }
    }

    /** Extra body fields must be JSON, bounded ({@link ExtraBody}); collisions are checked when the member is built. */
    private static void extraBody(String key, Map<String, Object> fields) {
        try {
            ExtraBody.copyOf(fields);
        } catch (InvalidConfigurationException e) {
            throw ConfigKeyException.bad(key, "is not valid: " + e.getMessage());
        }
    }

    /**
     * The smallest value of a number key, declared on the component: a count ({@code Integer}) is "at least
     * n", milliseconds ({@code Long}) "positive" or "zero or positive", dollars ({@code BigDecimal}, minimum 0)
     * "cannot be negative". {@link #validate()} checks every component that has one, naming the key.
     */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @java.lang.annotation.Documented
    public @interface Min {
        /** The smallest value allowed. */
        long value();
    }

    /** Checks the {@link Min} of every component of {@code value}, its keys under {@code prefix}. */
    private static void minimums(Record value, String prefix) {
        for (RecordComponent c : value.getClass().getRecordComponents()) {
            Min min = c.getAnnotation(Min.class);
            Object v;
            try {
                v = min == null ? null : c.getAccessor().invoke(value);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            long floor = min == null ? 0 : min.value();
            String what = floor == 0 ? "zero or positive" : "at least " + floor;
            if (v instanceof BigDecimal d && d.compareTo(BigDecimal.valueOf(floor)) < 0) {
                throw ConfigKeyException.bad(prefix + c.getName(), "cannot be negative, was " + d.toPlainString());
            } else if (v instanceof Long ms && ms < floor) {
                throw ConfigKeyException.bad(prefix + c.getName(), "must be " + (floor == 1 ? "positive" : what)
                        + " (milliseconds), was " + ms);
            } else if (v instanceof Long ms && ms > MAX_MS) {
                throw ConfigKeyException.bad(prefix + c.getName(), "must be at most " + MAX_MS
                        + " (milliseconds, 365 days), was " + ms);
            } else if (v instanceof Integer n && n < floor) {
                throw ConfigKeyException.bad(prefix + c.getName(), "must be " + what + ", was " + n);
            }
        }
    }

    /** The longest duration in milliseconds a key may hold: 365 days (the engine's limit for timers). */
    static final long MAX_MS = 365L * 24 * 60 * 60 * 1000;

    private static Price price(String model, PriceEntry p) {
        String key = "prices." + model;
        try {
            ModelRef.parse(model);
        } catch (IllegalArgumentException e) {
            throw ConfigKeyException.bad(key, "is not a provider:model reference: " + e.getMessage());
        }
        if (p == null) {
            throw ConfigKeyException.bad(key, "must be {input: 0.27, output: 1.10, ...} (USD per million tokens), was empty");
        }
        try {
            return p.toPrice(model);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage().replace("price book entry '" + model + "': ", "");
            if (message.startsWith(model + ".asOf ")) {
                // a date, not a rate: name its own key (and so its line), without the note on rates
                throw ConfigKeyException.bad(key + ".asOf", message.substring(model.length() + ".asOf ".length())
                        + " (year-month-day, the day the price was read)", e);
            }
            throw ConfigKeyException.of(key, message + "; rates are USD per million tokens", e);
        }
    }

    // ------------------------------------------------------------------ mapping onto the builder: the one place

    /** {@code toFusionBuilder(providers, BundledPrices.load())}. */
    public Fusion.Builder toFusionBuilder(Providers providers) {
        return toFusionBuilder(providers, BundledPrices.load());
    }

    /**
     * A {@link Fusion.Builder} with this configuration: the spec's providers added to
     * {@code providers}, the panel and judges resolved (member ids are the model strings as
     * written), {@code prices} over the spec's prices, and every policy set. The caller may adjust
     * it further (listeners, scheduler) before {@code build()}.
     *
     * @throws InvalidConfigurationException for an invalid spec, an unknown provider or a missing key
     */
    public Fusion.Builder toFusionBuilder(Providers providers, PriceBook prices) {
        validate();
        Providers all = withProviders(providers);
        Fusion.Builder b = Fusion.builder();
        List<PanelEntry> entries = panelEntries();
        for (int i = 0; i < entries.size(); i++) {
            b.member(member(all, entries.get(i), i));
        }
        for (int i = 0; i < judge.size(); i++) {
            Member j = Member.of(judge.get(i), resolve(all, judge.get(i), "judge"));
            if (i == 0) {
                b.judge(j);
            } else {
                b.fallbackJudge(j);
            }
        }
        if (onJudgeFailure != null) {
            b.onJudgeFailure(onJudgeFailure);
        }
        if (quorum != null) {
            b.quorum(quorum);
        }
        if (graceMs != null) {
            b.grace(Duration.ofMillis(graceMs));
        }
        if (memberTimeoutMs != null) {
            b.memberTimeout(Duration.ofMillis(memberTimeoutMs));
        }
        if (judgeTimeoutMs != null) {
            b.judgeTimeout(Duration.ofMillis(judgeTimeoutMs));
        }
        if (deadlineMs != null) {
            b.deadline(Duration.ofMillis(deadlineMs));
        }
        if (maxOutputTokens != null) {
            b.maxOutputTokens(maxOutputTokens);
        }
        if (judgeMaxOutputTokens != null) {
            b.judgeMaxOutputTokens(judgeMaxOutputTokens);
        }
        if (budgetUsd != null) {
            b.budgetUsd(budgetUsd);
        }
        b.allowUnpriced(Boolean.TRUE.equals(allowUnpriced));
        if (retries != null) {
            b.retry(RetryPolicy.retries(retries));
            b.judgeRetry(RetryPolicy.retries(retries));
        }
        providerLimits.forEach((name, l) -> b.providerLimit(name, zeroIfNull(l.maxConcurrent()),
                zeroIfNull(l.requestsPerMinute()), zeroIfNull(l.tokensPerMinute())));
        dev.fusion.shared.SharedStateOptions sharedOptions = SharedConfig.parse(shared);
        if (sharedOptions != null) {
            b.sharedState(SharedConfig.open(sharedOptions));
        }
        if (spendCapUsd != null) {
            b.spendCapUsd(spendCapUsd, spendCapWindow);
        }
        b.priceBook(priceBook(prices));
        StrategySpec strategy = effectiveStrategy();
        try {
            b.strategy(Strategy.parse(strategy.effectiveName(), strategy.options(), m -> resolve(all, m, "flagships")));
        } catch (InvalidConfigurationException e) {
            throw ConfigKeyException.of("strategy", e.getMessage(), e);
        }
        return b;
    }

    /**
     * The member of a panel entry: its model, its own reasoning setting and extra body. An extra body
     * field colliding with one Fusion sets (the provider's or the entry's) fails here, naming the key.
     */
    private static Member member(Providers providers, PanelEntry e, int index) {
        ChatModel model = resolve(providers, e.model(), "panel");
        Member m = Member.of(e.model(), model);
        if (e.reasoning() != null) {
            m = m.withReasoning(e.reasoning());
        }
        probe(model, Map.of(), "providers." + model.ref().provider() + ".extraBody");
        if (!e.extraBody().isEmpty()) {
            m = m.withExtraBody(e.extraBody());
            probe(model, e.extraBody(), "panel[" + index + "].extraBody");
        }
        return m;
    }

    /** Builds (without sending) a request carrying {@code extraBody}: a colliding field fails under {@code key}. */
    private static void probe(ChatModel model, Map<String, Object> extraBody, String key) {
        try {
            model.validate(dev.fusion.model.ModelRequest.builder().user("probe").extraBody(extraBody).build());
        } catch (InvalidConfigurationException e) {
            throw ConfigKeyException.bad(key, "cannot be sent to " + model.ref() + ": " + e.getMessage());
        }
    }

    /** {@code providers} with this spec's providers added (or overriding presets of the same name). */
    public Providers withProviders(Providers providers) {
        return this.providers.isEmpty() ? providers : providers.with(providerSpecs());
    }

    /** {@code base} with this spec's prices over it. */
    public PriceBook priceBook(PriceBook base) {
        PriceBook book = base;
        for (Map.Entry<String, PriceEntry> e : prices.entrySet()) {
            book = book.with(ModelRef.parse(e.getKey()), price(e.getKey(), e.getValue()));
        }
        return book;
    }

    /** The validated providers by name. */
    public Map<String, ProviderSpec> providerSpecs() {
        Map<String, ProviderSpec> out = new LinkedHashMap<>();
        providers.forEach((k, v) -> out.put(k, v.toProviderSpec()));
        return Collections.unmodifiableMap(out);
    }

    /** The validated prices by {@code provider:model}. */
    public Map<String, Price> priceOverrides() {
        Map<String, Price> out = new LinkedHashMap<>();
        prices.forEach((k, v) -> out.put(k, price(k, v)));
        return Collections.unmodifiableMap(out);
    }

    private static int zeroIfNull(Integer i) {
        return i == null ? 0 : i;
    }

    private static ChatModel resolve(Providers providers, String model, String where) {
        try {
            return providers.model(model);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(where + " model '" + model + "': " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The config key names of a record, in declaration order. */
    static List<String> keysOf(Class<? extends Record> type) {
        return Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
    }

    /** Free-form option values (numbers, strings, lists, maps as the parser gives them), made unmodifiable. */
    private static Object frozen(Object v) {
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(x -> out.add(frozen(x)));
            return Collections.unmodifiableList(out);
        }
        if (v instanceof Map<?, ?> m) {
            return frozenMap(m);
        }
        return v;
    }

    private static <K> Map<K, Object> frozenMap(Map<K, ?> m) {
        Map<K, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(k, frozen(x)));
        return Collections.unmodifiableMap(out);
    }

    private static <K, V> Map<K, V> copy(Map<K, V> m) {
        return m == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(m));
    }

    /** Equal when every key is, panel entries' settings included ({@link #panel()} alone compares the models). */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof FusionSpec other)) {
            return false;
        }
        try {
            for (RecordComponent c : COMPONENTS) {
                if (!Objects.equals(c.getAccessor().invoke(this), c.getAccessor().invoke(other))) {
                    return false;
                }
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return Objects.equals(panelEntries(), other.panelEntries());
    }

    @Override
    public int hashCode() {
        List<Object> values = new ArrayList<>();
        try {
            for (RecordComponent c : COMPONENTS) {
                values.add(c.getAccessor().invoke(this));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        values.add(panelEntries());
        return values.hashCode();
    }

    @Override
    public String toString() {
        return "FusionSpec[panel=" + panel + ", judge=" + judge + ", quorum=" + quorum + ", strategy=" + effectiveStrategy()
                + ", providers=" + providers.keySet() + ", prices=" + prices.keySet() + "]";
    }
}
