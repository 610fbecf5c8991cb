package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.anthropic.AnthropicChatModel;
import dev.fusion.providers.gemini.GeminiChatModel;
import dev.fusion.providers.internal.HttpClients;
import dev.fusion.providers.internal.Secret;
import dev.fusion.providers.openai.OpenAiChatModel;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The provider registry: turns {@code "provider:model"} into a {@link ChatModel} over HTTP.
 *
 * <pre>{@code
 * Providers providers = Providers.fromEnv();
 * ChatModel kimi = providers.model("openrouter:moonshotai/kimi-k2.6");
 * ChatModel local = Providers.builder().env(System.getenv())
 *         .provider("lab", ProviderSpec.of(ProviderKind.OPENAI, "http://10.0.0.5:8000/v1", "LAB_KEY"))
 *         .build().model("lab:qwen3-32b");
 * }</pre>
 *
 * <p>Presets (see {@link #presets()}) exist without configuration; providers added with
 * {@link Builder#provider} extend or replace them. Keys are read from the environment (a map given
 * to the builder, or {@link System#getenv()}) when a model is resolved, so a missing key fails with
 * {@link InvalidConfigurationException} naming the variable before any network call. Keyless kinds
 * (local servers) need none. Every model shares one HTTP client.
 *
 * <p>Keys are checked when a model is resolved: one holding a character that cannot travel in an
 * HTTP header (CR, LF, another control character, or a non-ASCII one such as a pasted no-break
 * space) fails with {@link InvalidConfigurationException} naming the variable, never the key. Every
 * resolved key is registered with {@link dev.fusion.Redactor}. Provider calls never follow
 * redirects and read responses under {@link ResponseLimits}.
 *
 * <p>Immutable and thread-safe. Neither {@link #toString()} nor any exception shows a key.
 */
public final class Providers {

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Capabilities.StructuredOutput SCHEMA = Capabilities.StructuredOutput.JSON_SCHEMA;
    private static final Capabilities.StructuredOutput JSON_MODE = Capabilities.StructuredOutput.JSON_OBJECT;
    private static final Capabilities.StructuredOutput PROMPT = Capabilities.StructuredOutput.PROMPT_ONLY;
    private static final Capabilities.ImageInput IMAGES = Capabilities.ImageInput.SUPPORTED;
    private static final Capabilities.ImageInput TEXT_ONLY = Capabilities.ImageInput.UNSUPPORTED;
    private static final Capabilities.ReasoningControl EFFORT = Capabilities.ReasoningControl.EFFORT;
    private static final Capabilities.ReasoningControl ROUTER = Capabilities.ReasoningControl.OPENROUTER;
    private static final Capabilities.ReasoningControl NO_REASONING = Capabilities.ReasoningControl.NONE;
    private static final Map<String, ProviderSpec> PRESETS = presetMap();

    private final Map<String, ProviderSpec> specs;
    private final Map<String, String> env;
    private final OkHttpClient client;
    private final ResponseLimits limits;

    private Providers(Map<String, ProviderSpec> specs, Map<String, String> env, OkHttpClient client,
                      ResponseLimits limits) {
        this.specs = Collections.unmodifiableMap(new LinkedHashMap<>(specs));
        this.env = env;
        this.client = client;
        this.limits = limits;
    }

    /** The presets plus nothing else, keys from {@link System#getenv()}, the shared HTTP client. */
    public static Providers fromEnv() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this registry's providers, environment and client. */
    public Builder toBuilder() {
        Builder b = new Builder().env(env).httpClient(client).responseLimits(limits);
        b.specs.clear();
        b.specs.putAll(specs);
        return b;
    }

    /** A registry with these providers added or replaced. */
    public Providers with(Map<String, ProviderSpec> more) {
        Builder b = toBuilder();
        more.forEach(b::provider);
        return b.build();
    }

    /**
     * Built-in providers by name: {@code openai}, {@code anthropic}, {@code gemini}, {@code openrouter},
     * {@code deepseek}, {@code moonshot}, {@code qwen}, {@code zhipu}, {@code minimax}, {@code xai},
     * {@code groq}, {@code together}, {@code fireworks}, and the keyless local servers {@code ollama},
     * {@code vllm}, {@code lmstudio}.
     */
    public static Map<String, ProviderSpec> presets() {
        return PRESETS;
    }

    /** Every provider name this registry knows, sorted. */
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(specs.keySet()));
    }

    public Optional<ProviderSpec> spec(String name) {
        return Optional.ofNullable(specs.get(name));
    }

    /**
     * The model {@code provider:model}.
     *
     * @throws InvalidConfigurationException for a malformed reference, an unknown provider (the message
     *                                       lists the known ones) or a missing key (it names the variable)
     */
    public ChatModel model(String reference) {
        ModelRef ref;
        try {
            ref = ModelRef.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigurationException(e.getMessage(), e);
        }
        return model(ref);
    }

    /** The model {@code ref}; see {@link #model(String)}. */
    public ChatModel model(ModelRef ref) {
        Objects.requireNonNull(ref, "ref");
        ProviderSpec spec = specs.get(ref.provider());
        if (spec == null) {
            throw new InvalidConfigurationException("unknown provider '" + ref.provider() + "' in '" + ref
                    + "'; known providers: " + names() + ". Add it with Providers.builder().provider(\""
                    + ref.provider() + "\", ProviderSpec.of(kind, baseUrl, apiKeyEnv)) or under providers: in the config file");
        }
        String key = resolveKey(ref.provider(), spec);
        HttpUrl base = HttpUrl.get(spec.baseUrl());
        return switch (spec.kind()) {
            case OPENAI -> new OpenAiChatModel(ref, base, key, client, spec.maxTokensParam(), spec.headers(), limits,
                    spec.capabilities(), spec.extraBody());
            case ANTHROPIC -> new AnthropicChatModel(ref, base, key, client, spec.headers(), limits,
                    spec.capabilities(), spec.extraBody());
            case GEMINI -> new GeminiChatModel(ref, base, key, client, spec.headers(), limits,
                    spec.capabilities(), spec.extraBody());
        };
    }

    /**
     * The provider's key (null for a keyless provider), registered with the process-wide
     * {@link dev.fusion.Redactor} and checked to be sendable in an HTTP header.
     *
     * @throws InvalidConfigurationException naming the variable (never the key) when it is missing or
     *                                       holds a character illegal in a header
     */
    private String resolveKey(String provider, ProviderSpec spec) {
        String value;
        String source;
        if (spec.apiKey() != null) {
            value = spec.apiKey();
            source = "the literal apiKey of provider '" + provider + "'";
        } else if (spec.apiKeyEnv() == null) {
            return null;
        } else {
            if (!ProviderSpec.looksLikeAVariableName(spec.apiKeyEnv())) {
                // Most likely the key itself, pasted where its variable's name belongs: mask it everywhere.
                Secret.of(spec.apiKeyEnv());
            }
            value = env.get(spec.apiKeyEnv());
            if (value == null || value.isBlank()) {
                throw new InvalidConfigurationException("provider '" + provider + "' needs an API key: set the environment"
                        + " variable " + spec.shownKeyEnv() + " (it is " + (value == null ? "not set" : "empty") + ")"
                        + (ProviderSpec.looksLikeAVariableName(spec.apiKeyEnv()) ? "" : "; apiKeyEnv takes the name of"
                        + " the variable holding the key (such as LAB_API_KEY), never the key itself"));
            }
            source = "the environment variable " + spec.shownKeyEnv() + " (provider '" + provider + "')";
        }
        Secret.of(value); // registers it with the redactor before anything can echo it
        String problem = Secret.headerProblem(value);
        if (problem != null) {
            throw new InvalidConfigurationException("the API key in " + source + " cannot be sent in an HTTP header: "
                    + problem);
        }
        return value;
    }

    /** The bounds on what every model of this registry reads from the network. */
    public ResponseLimits responseLimits() {
        return limits;
    }

    /** The HTTP client every model of this registry uses. */
    public OkHttpClient httpClient() {
        return client;
    }

    /** The shared default HTTP client (see {@code HttpClients} for its thread policy). */
    public static OkHttpClient defaultHttpClient() {
        return HttpClients.shared();
    }

    @Override
    public String toString() {
        return "Providers" + names();
    }

    private static Capabilities caps(Capabilities.StructuredOutput so, Capabilities.ImageInput images,
                                     Capabilities.ReasoningControl reasoning) {
        return new Capabilities(so, images, reasoning);
    }

    private static Map<String, ProviderSpec> presetMap() {
        Map<String, ProviderSpec> m = new LinkedHashMap<>();
        // Base URLs from each provider's own API docs (see docs/configuration.md, "Providers and keys").
        // Capabilities and their sources: fusion-providers/CAPABILITIES.md.
        m.put("openai", ProviderSpec.of(ProviderKind.OPENAI, "https://api.openai.com/v1", "OPENAI_API_KEY")
                .withMaxTokensParam("max_completion_tokens").withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        m.put("anthropic", ProviderSpec.of(ProviderKind.ANTHROPIC, "https://api.anthropic.com", "ANTHROPIC_API_KEY"));
        m.put("gemini", ProviderSpec.of(ProviderKind.GEMINI, "https://generativelanguage.googleapis.com", "GEMINI_API_KEY"));
        m.put("openrouter", ProviderSpec.of(ProviderKind.OPENAI, "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY")
                .withCapabilities(caps(SCHEMA, IMAGES, ROUTER)));
        m.put("deepseek", ProviderSpec.of(ProviderKind.OPENAI, "https://api.deepseek.com", "DEEPSEEK_API_KEY")
                .withCapabilities(caps(JSON_MODE, TEXT_ONLY, NO_REASONING)));
        m.put("moonshot", ProviderSpec.of(ProviderKind.OPENAI, "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY")
                .withCapabilities(caps(JSON_MODE, IMAGES, NO_REASONING)));
        m.put("qwen", ProviderSpec.of(ProviderKind.OPENAI, "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",
                "DASHSCOPE_API_KEY").withMaxTokensParam("max_completion_tokens")
                .withCapabilities(caps(JSON_MODE, IMAGES, NO_REASONING)));
        m.put("zhipu", ProviderSpec.of(ProviderKind.OPENAI, "https://open.bigmodel.cn/api/paas/v4", "ZHIPU_API_KEY")
                .withCapabilities(caps(JSON_MODE, IMAGES, NO_REASONING)));
        m.put("minimax", ProviderSpec.of(ProviderKind.OPENAI, "https://api.minimax.io/v1", "MINIMAX_API_KEY")
                .withMaxTokensParam("max_completion_tokens").withCapabilities(caps(PROMPT, IMAGES, NO_REASONING)));
        m.put("xai", ProviderSpec.of(ProviderKind.OPENAI, "https://api.x.ai/v1", "XAI_API_KEY")
                .withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        m.put("groq", ProviderSpec.of(ProviderKind.OPENAI, "https://api.groq.com/openai/v1", "GROQ_API_KEY")
                .withCapabilities(caps(JSON_MODE, IMAGES, EFFORT)));
        m.put("together", ProviderSpec.of(ProviderKind.OPENAI, "https://api.together.ai/v1", "TOGETHER_API_KEY")
                .withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        m.put("fireworks", ProviderSpec.of(ProviderKind.OPENAI, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY")
                .withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        m.put("ollama", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:11434/v1")
                .withCapabilities(caps(JSON_MODE, IMAGES, EFFORT)));
        m.put("vllm", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:8000/v1")
                .withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        m.put("lmstudio", ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:1234/v1")
                .withCapabilities(caps(SCHEMA, IMAGES, EFFORT)));
        return Collections.unmodifiableMap(m);
    }

    /** Mutable builder; not thread-safe. */
    public static final class Builder {
        private final Map<String, ProviderSpec> specs = new LinkedHashMap<>(PRESETS);
        private Map<String, String> env;
        private OkHttpClient client;
        private ResponseLimits limits = ResponseLimits.defaults();

        private Builder() {
        }

        /** Bounds on what every model reads from the network (default {@link ResponseLimits#defaults()}). */
        public Builder responseLimits(ResponseLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Where keys are read from (default {@link System#getenv()}); tests pass a map. */
        public Builder env(Map<String, String> env) {
            this.env = Map.copyOf(Objects.requireNonNull(env, "env"));
            return this;
        }

        /** Adds a provider or replaces a preset. Names are lower-case letters, digits, {@code . _ -}. */
        public Builder provider(String name, ProviderSpec spec) {
            Objects.requireNonNull(spec, "spec");
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidConfigurationException("provider name '" + name
                        + "' is invalid; use lower-case letters, digits, '.', '_' or '-'");
            }
            specs.put(name, spec);
            return this;
        }

        /**
         * The HTTP client for every model (default: the shared one, {@link Providers#defaultHttpClient()}).
         * Whatever it is configured with, provider calls never follow redirects and read bodies under
         * the {@link ResponseLimits} (a client that does not already do so is derived from it).
         */
        public Builder httpClient(OkHttpClient client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        public Providers build() {
            return new Providers(specs, env != null ? env : System.getenv(),
                    client != null ? HttpClients.guard(client) : HttpClients.shared(), limits);
        }
    }
}
