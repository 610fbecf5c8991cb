package dev.fusion.providers.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.fusion.Fusion;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A Fusion configuration file (YAML or JSON), parsed and validated into typed, immutable values.
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
 * {@code providerLimits: {name: {maxConcurrent, requestsPerMinute, tokensPerMinute}}}, {@code shared} (see
 * {@link SharedConfig}), {@code strategy} (default
 * {@code synthesize}), {@code spendCapUsd} + {@code spendCapWindow} (ISO-8601, e.g. {@code PT24H}).
 * Unknown keys, wrong types and bad values fail with {@link InvalidConfigurationException} naming
 * the key and the fix. Numbers are read as exact decimals.
 *
 * <p>Member ids are exactly the model strings as written. Immutable and thread-safe.
 */
public final class FusionConfig {

    /** Top-level keys, in documentation order. */
    public static final List<String> KEYS = List.of("providers", "panel", "judge", "onJudgeFailure", "quorum",
            "graceMs", "memberTimeoutMs", "judgeTimeoutMs", "deadlineMs", "maxOutputTokens", "judgeMaxOutputTokens",
            "budgetUsd", "allowUnpriced", "retries", "providerLimits", "strategy", "strategyOptions", "samples", "rounds", "agree", "flagships", "spendCapUsd", "spendCapWindow",
            "prices", "shared");
    static final List<String> PROVIDER_KEYS = List.of("kind", "baseUrl", "apiKeyEnv", "apiKey", "maxTokensParam", "headers");
    static final List<String> LIMIT_KEYS = List.of("maxConcurrent", "requestsPerMinute", "tokensPerMinute");
    static final List<String> PRICE_KEYS = List.of("input", "output", "cacheRead", "cacheWrite", "cacheWrite1h",
            "reasoning", "tiers", "source", "asOf");
    /** Judge strategies this version supports. */
    public static final List<String> STRATEGIES = dev.fusion.judge.Strategy.names();

    /** Strategy options that may also be written at the top level (e.g. {@code rounds: 3}). */
    static final List<String> STRATEGY_OPTION_KEYS = List.of("samples", "rounds", "agree", "flagships");

    /** Which syntax a config text is in. */
    public enum Format { YAML, JSON }

    /** A provider limit from {@code providerLimits}. */
    public record Limit(int maxConcurrent, int requestsPerMinute, int tokensPerMinute) {
        public Limit(int maxConcurrent, int requestsPerMinute) {
            this(maxConcurrent, requestsPerMinute, 0);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private final Map<String, ProviderSpec> providers;
    private final List<String> panel;
    private final List<String> judges;
    private final OnJudgeFailure onJudgeFailure;
    private final Integer quorum;
    private final Duration grace;
    private final Duration memberTimeout;
    private final Duration judgeTimeout;
    private final Duration deadline;
    private final Integer maxOutputTokens;
    private final Integer judgeMaxOutputTokens;
    private final BigDecimal budgetUsd;
    private final boolean allowUnpriced;
    private final Integer retries;
    private final Map<String, Limit> providerLimits;
    private final String strategy;
    private final Map<String, Object> strategyOptions;
    private final BigDecimal spendCapUsd;
    private final Duration spendCapWindow;
    private final dev.fusion.shared.SharedStateOptions shared;
    private final Map<String, Price> prices;

    private FusionConfig(Parser p) {
        this.providers = Collections.unmodifiableMap(p.providers);
        this.panel = List.copyOf(p.panel);
        this.judges = List.copyOf(p.judges);
        this.onJudgeFailure = p.onJudgeFailure;
        this.quorum = p.quorum;
        this.grace = p.grace;
        this.memberTimeout = p.memberTimeout;
        this.judgeTimeout = p.judgeTimeout;
        this.deadline = p.deadline;
        this.maxOutputTokens = p.maxOutputTokens;
        this.judgeMaxOutputTokens = p.judgeMaxOutputTokens;
        this.budgetUsd = p.budgetUsd;
        this.allowUnpriced = p.allowUnpriced;
        this.retries = p.retries;
        this.providerLimits = Collections.unmodifiableMap(p.limits);
        this.strategy = p.strategy;
        this.strategyOptions = Collections.unmodifiableMap(new LinkedHashMap<>(p.strategyOptions));
        this.spendCapUsd = p.spendCapUsd;
        this.spendCapWindow = p.spendCapWindow;
        this.shared = p.shared;
        this.prices = Collections.unmodifiableMap(p.prices);
    }

    // ------------------------------------------------------------------ loading

    /** Reads a file; YAML for {@code .yaml}/{@code .yml}, JSON for {@code .json}, else by content. */
    public static FusionConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format f = name.endsWith(".yaml") || name.endsWith(".yml") ? Format.YAML
                : name.endsWith(".json") ? Format.JSON : detect(text);
        return parse(text, f);
    }

    /** Parses text, detecting the format: JSON when it starts with '{', else YAML. */
    public static FusionConfig parse(String text) {
        return parse(text, detect(text));
    }

    public static FusionConfig parse(String text, Format format) {
        JsonNode root;
        try {
            root = (format == Format.JSON ? JSON : YAML).readTree(text);
        } catch (IOException e) {
            throw new InvalidConfigurationException("the config is not valid " + format + ": "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            throw new InvalidConfigurationException("the config is empty; it needs at least panel: and judge:");
        }
        if (!root.isObject()) {
            throw new InvalidConfigurationException("the config must be a mapping of keys (" + KEYS + "), not a "
                    + root.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return new FusionConfig(new Parser(root));
    }

    static Format detect(String text) {
        String t = text == null ? "" : text.stripLeading();
        return t.startsWith("{") ? Format.JSON : Format.YAML;
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
        Providers all = this.providers.isEmpty() ? providers : providers.with(this.providers);
        Fusion.Builder b = Fusion.builder();
        for (String m : panel) {
            b.member(Member.of(m, resolve(all, m, "panel")));
        }
        for (int i = 0; i < judges.size(); i++) {
            Member j = Member.of(judges.get(i), resolve(all, judges.get(i), "judge"));
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
        if (grace != null) {
            b.grace(grace);
        }
        if (memberTimeout != null) {
            b.memberTimeout(memberTimeout);
        }
        if (judgeTimeout != null) {
            b.judgeTimeout(judgeTimeout);
        }
        if (deadline != null) {
            b.deadline(deadline);
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
        b.allowUnpriced(allowUnpriced);
        if (retries != null) {
            b.retry(RetryPolicy.retries(retries));
            b.judgeRetry(RetryPolicy.retries(retries));
        }
        providerLimits.forEach((name, l) -> b.providerLimit(name, l.maxConcurrent(), l.requestsPerMinute(), l.tokensPerMinute()));
        if (shared != null) {
            b.sharedState(SharedConfig.open(shared));
        }
        if (spendCapUsd != null) {
            b.spendCapUsd(spendCapUsd, spendCapWindow);
        }
        b.priceBook(BundledPrices.load());
        prices.forEach(b::price);
        try {
            b.strategy(dev.fusion.judge.Strategy.parse(strategy, strategyOptions, m -> resolve(all, m, "flagships")));
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException("strategy: " + e.getMessage(), e);
        }
        return b;
    }

    /** {@code toFusionBuilder(providers).build()}. */
    public Fusion build(Providers providers) {
        return toFusionBuilder(providers).build();
    }

    private static dev.fusion.model.ChatModel resolve(Providers providers, String model, String where) {
        try {
            return providers.model(model);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(where + " model '" + model + "': " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ accessors

    public Map<String, ProviderSpec> providers() { return providers; }
    public List<String> panel() { return panel; }
    /** The judge first, then fallbacks in order. */
    public List<String> judges() { return judges; }
    public OnJudgeFailure onJudgeFailure() { return onJudgeFailure; }
    public Integer quorum() { return quorum; }
    public Duration grace() { return grace; }
    public Duration memberTimeout() { return memberTimeout; }
    public Duration judgeTimeout() { return judgeTimeout; }
    public Duration deadline() { return deadline; }
    public Integer maxOutputTokens() { return maxOutputTokens; }
    public Integer judgeMaxOutputTokens() { return judgeMaxOutputTokens; }
    public BigDecimal budgetUsd() { return budgetUsd; }
    public boolean allowUnpriced() { return allowUnpriced; }
    public Integer retries() { return retries; }
    public Map<String, Limit> providerLimits() { return providerLimits; }
    /** The judge strategy name (default {@code synthesize}). */
    public String strategy() { return strategy; }

    /** The strategy's options ({@code samples}, {@code rounds}, {@code agree}, {@code flagships}, ...), possibly empty. */
    public Map<String, Object> strategyOptions() { return strategyOptions; }
    public BigDecimal spendCapUsd() { return spendCapUsd; }
    public Duration spendCapWindow() { return spendCapWindow; }
    /** The {@code shared:} store, or null (in-memory, per instance). */
    public dev.fusion.shared.SharedStateOptions shared() { return shared; }
    /** Price overrides by {@code provider:model}. */
    public Map<String, Price> prices() { return prices; }

    @Override
    public String toString() {
        return "FusionConfig[panel=" + panel + ", judges=" + judges + ", quorum=" + quorum + ", providers="
                + providers.keySet() + ", prices=" + prices.keySet() + "]";
    }

    // ------------------------------------------------------------------ parsing

    /** One-shot parser: validates every key and value of a config tree. */
    private static final class Parser {
        final Map<String, ProviderSpec> providers = new LinkedHashMap<>();
        final List<String> panel = new ArrayList<>();
        final List<String> judges = new ArrayList<>();
        OnJudgeFailure onJudgeFailure;
        Integer quorum;
        Duration grace;
        Duration memberTimeout;
        Duration judgeTimeout;
        Duration deadline;
        Integer maxOutputTokens;
        Integer judgeMaxOutputTokens;
        BigDecimal budgetUsd;
        boolean allowUnpriced;
        Integer retries;
        final Map<String, Limit> limits = new LinkedHashMap<>();
        String strategy = "synthesize";
        final Map<String, Object> strategyOptions = new LinkedHashMap<>();
        BigDecimal spendCapUsd;
        Duration spendCapWindow;
        dev.fusion.shared.SharedStateOptions shared;
        final Map<String, Price> prices = new LinkedHashMap<>();

        private static Object plain(JsonNode v) {
            if (v.isIntegralNumber()) {
                return v.asLong();
            }
            if (v.isNumber()) {
                return v.decimalValue();
            }
            if (v.isBoolean()) {
                return v.asBoolean();
            }
            if (v.isArray()) {
                List<Object> l = new ArrayList<>();
                v.forEach(x -> l.add(plain(x)));
                return l;
            }
            return v.asText();
        }

        Parser(JsonNode root) {
            checkKeys(root, KEYS, "");
            providers(root.get("providers"));
            JsonNode p = root.get("panel");
            if (p == null || p.isNull()) {
                throw bad("panel", "is missing; list the panel models, e.g. panel: [openrouter:deepseek/deepseek-v4-pro, gemini:gemini-3-flash]");
            }
            panel.addAll(modelList(p, "panel"));
            if (panel.isEmpty()) {
                throw bad("panel", "is empty; list at least one model as provider:model");
            }
            if (Set.copyOf(panel).size() != panel.size()) {
                throw bad("panel", "lists a model twice; each panel entry must be distinct");
            }
            JsonNode j = root.get("judge");
            if (j == null || j.isNull()) {
                throw bad("judge", "is missing; name a judge model, e.g. judge: anthropic:claude-opus-4-8 (or a list for fallbacks)");
            }
            judges.addAll(modelList(j, "judge"));
            if (judges.isEmpty()) {
                throw bad("judge", "is empty; name at least one judge model");
            }
            String ojf = string(root, "onJudgeFailure");
            if (ojf != null) {
                try {
                    onJudgeFailure = OnJudgeFailure.parse(ojf);
                } catch (InvalidConfigurationException e) {
                    throw bad("onJudgeFailure", "must be fail or best-answer, was '" + ojf + "'");
                }
            }
            quorum = integer(root, "quorum", 1);
            if (quorum != null && quorum > panel.size()) {
                throw bad("quorum", "is " + quorum + " but the panel has only " + panel.size()
                        + " member(s); lower quorum or add panel members");
            }
            grace = millis(root, "graceMs", 0);
            memberTimeout = millis(root, "memberTimeoutMs", 1);
            judgeTimeout = millis(root, "judgeTimeoutMs", 1);
            deadline = millis(root, "deadlineMs", 1);
            maxOutputTokens = integer(root, "maxOutputTokens", 1);
            judgeMaxOutputTokens = integer(root, "judgeMaxOutputTokens", 1);
            budgetUsd = decimal(root, "budgetUsd");
            Boolean au = bool(root, "allowUnpriced");
            allowUnpriced = au != null && au;
            retries = integer(root, "retries", 0);
            limits(root.get("providerLimits"));
            JsonNode sn = root.get("strategy");
            String s = null;
            if (sn != null && sn.isObject()) {
                // strategy: {name: layered, rounds: 3}
                s = sn.path("name").asText(null);
                if (s == null) {
                    throw bad("strategy", "as an object needs a name, e.g. strategy: {name: layered, rounds: 3}");
                }
                sn.fields().forEachRemaining(e -> {
                    if (!e.getKey().equals("name")) {
                        strategyOptions.put(e.getKey(), plain(e.getValue()));
                    }
                });
            } else {
                s = string(root, "strategy");
            }
            JsonNode so = root.get("strategyOptions");
            if (so != null && !so.isNull()) {
                if (!so.isObject()) {
                    throw bad("strategyOptions", "must be a map, e.g. strategyOptions: {rounds: 3}");
                }
                so.fields().forEachRemaining(e -> strategyOptions.put(e.getKey(), plain(e.getValue())));
            }
            for (String k : STRATEGY_OPTION_KEYS) {
                if (root.has(k) && !root.get(k).isNull()) {
                    strategyOptions.put(k, plain(root.get(k)));
                }
            }
            if (s != null) {
                if (!STRATEGIES.contains(s)) {
                    throw bad("strategy", "'" + s + "' is not supported; valid strategies: " + STRATEGIES);
                }
                strategy = s;
            }
            if (!strategyOptions.isEmpty()) {
                try {
                    // Validate names and values now (flagship models are resolved when building).
                    Map<String, Object> check = new LinkedHashMap<>(strategyOptions);
                    check.remove("flagships");
                    dev.fusion.judge.Strategy.parse(strategy, check);
                } catch (InvalidConfigurationException e) {
                    throw bad("strategy", e.getMessage());
                }
            }
            spendCapUsd = decimal(root, "spendCapUsd");
            String w = string(root, "spendCapWindow");
            if (w != null) {
                if (spendCapUsd == null) {
                    throw bad("spendCapWindow", "is set without spendCapUsd; add spendCapUsd or remove the window");
                }
                try {
                    spendCapWindow = Duration.parse(w);
                } catch (DateTimeParseException e) {
                    throw bad("spendCapWindow", "must be an ISO-8601 duration like PT24H or P7D, was '" + w + "'");
                }
                if (spendCapWindow.isZero() || spendCapWindow.isNegative()) {
                    throw bad("spendCapWindow", "must be positive, was " + w);
                }
            }
            prices(root.get("prices"));
            shared = SharedConfig.parse(root.get("shared"));
        }

        private void providers(JsonNode node) {
            if (node == null || node.isNull()) {
                return;
            }
            requireObject(node, "providers", "a mapping of provider name to {kind, baseUrl, apiKeyEnv}");
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = "providers." + e.getKey();
                JsonNode spec = e.getValue();
                requireObject(spec, key, "{kind: openai|anthropic|gemini, baseUrl: ..., apiKeyEnv: ...}");
                checkKeys(spec, PROVIDER_KEYS, key + ".");
                String kind = string(spec, "kind", key + ".kind");
                if (kind == null) {
                    throw bad(key + ".kind", "is missing; set it to openai, anthropic or gemini");
                }
                String baseUrl = string(spec, "baseUrl", key + ".baseUrl");
                if (baseUrl == null) {
                    throw bad(key + ".baseUrl", "is missing; set the provider's API root URL");
                }
                Map<String, String> headers = new LinkedHashMap<>();
                JsonNode h = spec.get("headers");
                if (h != null && !h.isNull()) {
                    requireObject(h, key + ".headers", "a mapping of header name to value");
                    h.fields().forEachRemaining(x -> headers.put(x.getKey(), x.getValue().asText()));
                }
                try {
                    providers.put(e.getKey(), new ProviderSpec(ProviderKind.parse(kind), baseUrl,
                            string(spec, "apiKeyEnv", key + ".apiKeyEnv"), string(spec, "apiKey", key + ".apiKey"),
                            string(spec, "maxTokensParam", key + ".maxTokensParam"), headers));
                } catch (InvalidConfigurationException ex) {
                    throw new InvalidConfigurationException(key + ": " + ex.getMessage(), ex);
                }
                if (!e.getKey().matches("[a-z0-9][a-z0-9._-]*")) {
                    throw bad(key, "is not a valid provider name; use lower-case letters, digits, '.', '_' or '-'");
                }
            }
        }

        private void limits(JsonNode node) {
            if (node == null || node.isNull()) {
                return;
            }
            requireObject(node, "providerLimits", "a mapping of provider name to {maxConcurrent, requestsPerMinute}");
            node.fields().forEachRemaining(e -> {
                String key = "providerLimits." + e.getKey();
                requireObject(e.getValue(), key, "{maxConcurrent: 8, requestsPerMinute: 60}");
                checkKeys(e.getValue(), LIMIT_KEYS, key + ".");
                Integer mc = integer(e.getValue(), "maxConcurrent", 0, key + ".maxConcurrent");
                Integer rpm = integer(e.getValue(), "requestsPerMinute", 0, key + ".requestsPerMinute");
                Integer tpm = integer(e.getValue(), "tokensPerMinute", 0, key + ".tokensPerMinute");
                limits.put(e.getKey(), new Limit(mc == null ? 0 : mc, rpm == null ? 0 : rpm, tpm == null ? 0 : tpm));
            });
        }

        private void prices(JsonNode node) {
            if (node == null || node.isNull()) {
                return;
            }
            requireObject(node, "prices", "a mapping of provider:model to {input, output, ...} in USD per million tokens");
            node.fields().forEachRemaining(e -> {
                String key = "prices." + e.getKey();
                try {
                    ModelRef.parse(e.getKey());
                } catch (IllegalArgumentException ex) {
                    throw bad(key, "is not a provider:model reference: " + ex.getMessage());
                }
                JsonNode p = e.getValue();
                requireObject(p, key, "{input: 0.27, output: 1.10, ...} (USD per million tokens)");
                checkKeys(p, PRICE_KEYS, key + ".");
                try {
                    PriceBook one = PriceBook.fromJson(JSON.createObjectNode().set("models",
                            JSON.createObjectNode().set(e.getKey(), withDefaultSource(p))));
                    prices.put(e.getKey(), one.entries().get(e.getKey()));
                } catch (IllegalArgumentException ex) {
                    throw new InvalidConfigurationException(key + ": " + ex.getMessage()
                            .replace("price book entry '" + e.getKey() + "': ", "") + "; rates are USD per million tokens", ex);
                }
            });
        }

        private static JsonNode withDefaultSource(JsonNode p) {
            com.fasterxml.jackson.databind.node.ObjectNode copy = p.deepCopy();
            if (!copy.hasNonNull("source")) {
                copy.put("source", "config");
            }
            return copy;
        }

        // -------------------------------------------------------------- typed readers

        private static void checkKeys(JsonNode obj, List<String> valid, String prefix) {
            obj.fieldNames().forEachRemaining(k -> {
                if (!valid.contains(k)) {
                    throw new InvalidConfigurationException("unknown config key '" + prefix + k + "'; valid keys"
                            + (prefix.isEmpty() ? "" : " under " + prefix.substring(0, prefix.length() - 1)) + ": " + valid);
                }
            });
        }

        private static void requireObject(JsonNode n, String key, String expected) {
            if (!n.isObject()) {
                throw bad(key, "must be " + expected + ", was " + describe(n));
            }
        }

        private static List<String> modelList(JsonNode n, String key) {
            List<String> out = new ArrayList<>();
            if (n.isTextual()) {
                out.add(model(n.asText(), key));
            } else if (n.isArray()) {
                for (JsonNode x : n) {
                    if (!x.isTextual()) {
                        throw bad(key, "entries must be provider:model strings, found " + describe(x));
                    }
                    out.add(model(x.asText(), key));
                }
            } else {
                throw bad(key, "must be a provider:model string or a list of them, was " + describe(n));
            }
            return out;
        }

        private static String model(String s, String key) {
            try {
                ModelRef.parse(s);
            } catch (IllegalArgumentException e) {
                throw bad(key, e.getMessage());
            }
            return s;
        }

        private static String string(JsonNode obj, String field) {
            return string(obj, field, field);
        }

        private static String string(JsonNode obj, String field, String key) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isValueNode() || v.isBinary()) {
                throw bad(key, "must be a string, was " + describe(v));
            }
            return v.asText();
        }

        private static Boolean bool(JsonNode obj, String field) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            if (!v.isBoolean()) {
                throw bad(field, "must be true or false, was " + describe(v));
            }
            return v.asBoolean();
        }

        private static Integer integer(JsonNode obj, String field, int min) {
            return integer(obj, field, min, field);
        }

        private static Integer integer(JsonNode obj, String field, int min, String key) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            BigInteger i;
            if (v.isIntegralNumber()) {
                i = v.bigIntegerValue();
            } else if (v.isNumber() && v.decimalValue().stripTrailingZeros().scale() <= 0) {
                i = v.decimalValue().toBigIntegerExact();
            } else {
                throw bad(key, "must be a whole number, was " + describe(v));
            }
            if (i.compareTo(BigInteger.valueOf(min)) < 0) {
                throw bad(key, "must be " + (min == 0 ? "zero or positive" : "at least " + min) + ", was " + i);
            }
            if (i.bitLength() > 31) {
                throw bad(key, "is too large: " + i);
            }
            return i.intValue();
        }

        private static Duration millis(JsonNode obj, String field, int min) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            BigInteger i;
            if (v.isIntegralNumber()) {
                i = v.bigIntegerValue();
            } else {
                throw bad(field, "must be a whole number of milliseconds, was " + describe(v));
            }
            if (i.compareTo(BigInteger.valueOf(min)) < 0) {
                throw bad(field, "must be " + (min == 0 ? "zero or positive" : "positive") + " (milliseconds), was " + i);
            }
            if (i.bitLength() > 62) {
                throw bad(field, "is too large: " + i);
            }
            return Duration.ofMillis(i.longValue());
        }

        private static BigDecimal decimal(JsonNode obj, String field) {
            JsonNode v = obj.get(field);
            if (v == null || v.isNull()) {
                return null;
            }
            BigDecimal d;
            if (v.isNumber()) {
                d = v.decimalValue();
            } else if (v.isTextual()) {
                try {
                    d = new BigDecimal(v.asText().trim());
                } catch (NumberFormatException e) {
                    throw bad(field, "must be a number of US dollars, was '" + v.asText() + "'");
                }
            } else {
                throw bad(field, "must be a number of US dollars, was " + describe(v));
            }
            if (d.signum() < 0) {
                throw bad(field, "cannot be negative, was " + d.toPlainString());
            }
            return d;
        }

        private static String describe(JsonNode n) {
            if (n.isTextual()) {
                return "the string '" + n.asText() + "'";
            }
            if (n.isValueNode()) {
                return n.getNodeType().name().toLowerCase(Locale.ROOT) + " " + n.asText();
            }
            return "a " + (n.isArray() ? "list" : n.isObject() ? "mapping" : n.getNodeType().name().toLowerCase(Locale.ROOT));
        }

        private static InvalidConfigurationException bad(String key, String what) {
            return new InvalidConfigurationException("config key '" + key + "' " + what);
        }
    }
}
