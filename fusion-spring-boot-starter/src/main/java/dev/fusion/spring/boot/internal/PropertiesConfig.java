package dev.fusion.spring.boot.internal;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.spring.boot.FusionProperties;
import org.springframework.core.env.Environment;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code fusion.*} properties as a Fusion configuration: translated into the config file's tree
 * and validated by {@link FusionConfig}, so the rules and messages are the config file's, with its
 * key names rewritten as the property names ({@code config key 'budgetUsd'} becomes
 * {@code property 'fusion.budget-usd'}). Stateless.
 */
public final class PropertiesConfig {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final com.fasterxml.jackson.databind.ObjectMapper TREES = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final Pattern CONFIG_KEY = Pattern.compile("config key '([^']*)'");
    /** A message that opens with a config key path, e.g. {@code providers.local: ...}. */
    private static final Pattern LEADING_KEY = Pattern.compile("^([A-Za-z][A-Za-z0-9]*)((?:\\.\\S+?)*): ");

    private PropertiesConfig() {
    }

    /**
     * The validated configuration.
     *
     * @throws InvalidConfigurationException naming the property and the fix
     */
    public static FusionConfig parse(FusionProperties p) {
        return parse(p, true);
    }

    /**
     * The validated configuration, with or without its {@code shared:} store (without: the caller
     * supplies the store itself, e.g. as a bean whose life the application context manages).
     *
     * @throws InvalidConfigurationException naming the property and the fix
     */
    public static FusionConfig parse(FusionProperties p, boolean withShared) {
        ObjectNode root = JSON.objectNode();
        if (!p.panel().isEmpty()) {
            ArrayNode panel = root.putArray("panel");
            for (FusionProperties.PanelEntry e : p.panel()) {
                if (e == null || !e.hasSettings()) {
                    panel.add(e == null ? null : e.model());
                    continue;
                }
                ObjectNode n = panel.addObject();
                put(n, "model", e.model());
                put(n, "reasoning", e.reasoning());
                if (e.extraBody() != null && !e.extraBody().isEmpty()) {
                    n.set("extraBody", TREES.valueToTree(e.extraBody()));
                }
            }
        }
        if (!p.judge().isEmpty()) {
            root.set("judge", strings(p.judge()));
        }
        put(root, "onJudgeFailure", p.onJudgeFailure());
        put(root, "quorum", p.quorum());
        put(root, "graceMs", p.graceMs());
        put(root, "memberTimeoutMs", p.memberTimeoutMs());
        put(root, "judgeTimeoutMs", p.judgeTimeoutMs());
        put(root, "deadlineMs", p.deadlineMs());
        put(root, "maxOutputTokens", p.maxOutputTokens());
        put(root, "judgeMaxOutputTokens", p.judgeMaxOutputTokens());
        put(root, "budgetUsd", p.budgetUsd());
        if (p.allowUnpriced()) {
            root.put("allowUnpriced", true);
        }
        put(root, "retries", p.retries());
        put(root, "strategy", p.strategy());
        if (!p.strategyOptions().isEmpty()) {
            root.set("strategyOptions", TREES.valueToTree(p.strategyOptions()));
        }
        put(root, "samples", p.samples());
        put(root, "rounds", p.rounds());
        put(root, "agree", p.agree());
        if (p.flagships() != null) {
            root.set("flagships", strings(p.flagships()));
        }
        put(root, "spendCapUsd", p.spendCapUsd());
        if (p.spendCapWindow() != null) {
            root.put("spendCapWindow", p.spendCapWindow().toString());
        }
        if (!p.providers().isEmpty()) {
            ObjectNode providers = root.putObject("providers");
            p.providers().forEach((name, spec) -> {
                ObjectNode n = providers.putObject(name);
                put(n, "kind", spec.kind());
                put(n, "baseUrl", spec.baseUrl());
                put(n, "apiKeyEnv", spec.apiKeyEnv());
                put(n, "maxTokensParam", spec.maxTokensParam());
                if (spec.headers() != null && !spec.headers().isEmpty()) {
                    ObjectNode h = n.putObject("headers");
                    spec.headers().forEach(h::put);
                }
                if (spec.extraBody() != null && !spec.extraBody().isEmpty()) {
                    n.set("extraBody", TREES.valueToTree(spec.extraBody()));
                }
                if (spec.capabilities() != null) {
                    ObjectNode c = n.putObject("capabilities");
                    put(c, "structuredOutput", spec.capabilities().structuredOutput());
                    put(c, "images", spec.capabilities().images());
                    put(c, "reasoning", spec.capabilities().reasoning());
                }
            });
        }
        if (!p.providerLimits().isEmpty()) {
            ObjectNode limits = root.putObject("providerLimits");
            p.providerLimits().forEach((name, l) -> {
                ObjectNode n = limits.putObject(name);
                put(n, "maxConcurrent", l.maxConcurrent());
                put(n, "requestsPerMinute", l.requestsPerMinute());
                put(n, "tokensPerMinute", l.tokensPerMinute());
            });
        }
        FusionProperties.Shared shared = p.shared();
        if (withShared && shared != null) {
            ObjectNode n = root.putObject("shared");
            put(n, "redis", shared.redis());
            put(n, "namespace", shared.namespace());
            put(n, "onUnavailable", shared.onUnavailable());
            put(n, "leaseMs", shared.leaseMs());
        }
        if (!p.prices().isEmpty()) {
            ObjectNode prices = root.putObject("prices");
            p.prices().forEach((ref, r) -> {
                ObjectNode n = prices.putObject(ref);
                put(n, "input", r.input());
                put(n, "output", r.output());
                put(n, "cacheRead", r.cacheRead());
                put(n, "cacheWrite", r.cacheWrite());
                put(n, "cacheWrite1h", r.cacheWrite1h());
                put(n, "reasoning", r.reasoning());
            });
        }
        try {
            return FusionConfig.parse(root.toString(), FusionConfig.Format.JSON);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(asProperties(e.getMessage()), e);
        }
    }

    /**
     * The providers of a configuration, with API keys read from {@code environment}: for every
     * preset and configured provider, its {@code apiKeyEnv} variable, when the environment has it.
     */
    public static Providers providers(FusionConfig config, Environment environment) {
        Map<String, ProviderSpec> specs = new LinkedHashMap<>(Providers.presets());
        specs.putAll(config.providers());
        Map<String, String> keys = new LinkedHashMap<>();
        for (ProviderSpec spec : specs.values()) {
            String var = spec.apiKeyEnv();
            if (var != null && !var.isBlank() && !keys.containsKey(var)) {
                String value = environment.getProperty(var);
                if (value != null && !value.isBlank()) {
                    keys.put(var, value);
                }
            }
        }
        return Providers.builder().env(keys).build();
    }

    /** A config-file message with its key names as {@code fusion.*} property names. */
    public static String asProperties(String message) {
        if (message == null) {
            return "invalid fusion.* properties";
        }
        Matcher lead = LEADING_KEY.matcher(message);
        if (lead.find() && FusionConfig.KEYS.contains(lead.group(1))) {
            message = "property 'fusion." + kebab(lead.group(1) + lead.group(2)) + "': " + message.substring(lead.end());
        }
        Matcher m = CONFIG_KEY.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement("property 'fusion." + kebab(m.group(1)) + "'"));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String kebab(String key) {
        StringBuilder b = new StringBuilder();
        for (char c : key.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('-').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static ArrayNode strings(List<String> values) {
        ArrayNode a = JSON.arrayNode();
        values.forEach(a::add);
        return a;
    }

    private static void put(ObjectNode n, String key, Object value) {
        if (value instanceof String s) {
            n.put(key, s);
        } else if (value instanceof Integer i) {
            n.put(key, i);
        } else if (value instanceof Long l) {
            n.put(key, l);
        } else if (value instanceof BigDecimal d) {
            n.put(key, d);
        }
    }
}
