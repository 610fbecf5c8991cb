package dev.fusion.cli;

import dev.fusion.Fusion;
import dev.fusion.Member;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Rates;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.providers.config.ConfigKeyException;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.providers.config.FusionSpec;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides where an ask's panel and judge come from, in this order: a config file; models named
 * with --panel/--judge; the provider keys present in the environment (a budget panel of cheap
 * models and a flagship judge); a local model server on loopback (Ollama, LM Studio, llama.cpp);
 * else the built-in offline sandbox. Flags override whatever was chosen.
 */
final class Setup implements AutoCloseable {

    /** Where the panel came from; printed so the user always knows. */
    enum Mode { CONFIG, FLAGS, KEYS, LOCAL, SANDBOX }

    /** Cheap and flagship models per provider key, all priced in the bundled book except where noted. */
    record KeyChoice(String provider, String envVar, List<String> cheap, String flagship) {
    }

    static final List<KeyChoice> KEY_CHOICES = List.of(
            new KeyChoice("anthropic", "ANTHROPIC_API_KEY", List.of("anthropic:claude-haiku-5-5"), "anthropic:claude-opus-4-8"),
            new KeyChoice("openai", "OPENAI_API_KEY", List.of("openai:gpt-6-luna"), "openai:gpt-6.2-sol"),
            new KeyChoice("gemini", "GEMINI_API_KEY", List.of("gemini:gemini-3.5-flash"), "gemini:gemini-3.1-pro-preview"),
            new KeyChoice("deepseek", "DEEPSEEK_API_KEY", List.of("deepseek:deepseek-v4-flash"), null),
            new KeyChoice("moonshot", "MOONSHOT_API_KEY", List.of("moonshot:kimi-k3"), null),
            new KeyChoice("zhipu", "ZHIPU_API_KEY", List.of("zhipu:glm-5.2"), null),
            new KeyChoice("xai", "XAI_API_KEY", List.of(), "xai:grok-4.6"),
            // OpenRouter reports each call's cost itself (usage.cost), so its unbooked models are still costed.
            new KeyChoice("openrouter", "OPENROUTER_API_KEY", List.of("openrouter:deepseek/deepseek-v4-pro",
                    "openrouter:moonshotai/kimi-k2.6", "openrouter:google/gemini-3.5-flash"), "openrouter:anthropic/claude-opus-4.8"));

    final Fusion fusion;
    final Providers providers;
    final Mode mode;
    final List<String> description;
    final PriceBook prices;
    private final AutoCloseable resource;

    private Setup(Fusion fusion, Providers providers, Mode mode, List<String> description, PriceBook prices,
                  AutoCloseable resource) {
        this.fusion = fusion;
        this.providers = providers;
        this.mode = mode;
        this.description = description;
        this.prices = prices;
        this.resource = resource;
    }

    boolean isSandbox() {
        return mode == Mode.SANDBOX;
    }

    /** A prefix for every output line in sandbox mode. */
    String linePrefix() {
        return isSandbox() ? "[sandbox] " : "";
    }

    @Override
    public void close() {
        if (resource != null) {
            try {
                resource.close();
            } catch (Exception ignored) {
                // best effort: the process is ending
            }
        }
    }

    static Setup resolve(CommonOptions o, Map<String, String> env) {
        return resolve(o, env, false);
    }

    /**
     * As {@link #resolve(CommonOptions, Map)}; with {@code sendsNothing} (preview) the models need no
     * API keys, because nothing will be sent: see {@link PreviewKeys}.
     */
    static Setup resolve(CommonOptions o, Map<String, String> env, boolean sendsNothing) {
        return resolve(o, env, sendsNothing, b -> { });
    }

    /** As {@link #resolve(CommonOptions, Map, boolean)}, with {@code customize} applied to the builder before it builds (listeners). */
    static Setup resolve(CommonOptions o, Map<String, String> env, boolean sendsNothing,
                         java.util.function.Consumer<Fusion.Builder> customize) {
        Providers providers = Providers.builder().env(sendsNothing ? PreviewKeys.env(env, o.config) : env).build();
        FusionSpec spec;
        Mode mode;
        List<String> desc = new ArrayList<>();
        AutoCloseable resource = null;
        PriceBook prices = BundledPrices.load();
        if (o.config != null) {
            try {
                spec = FusionConfig.load(o.config).spec();
            } catch (RuntimeException e) {
                // File problems name the file themselves; problems inside it get the file as context.
                throw new CliException(e.getMessage().startsWith("config file ") ? e.getMessage()
                        : "config " + o.config + ": " + e.getMessage());
            }
            if (o.sandbox || spec.sandboxEnabled()) {
                // --sandbox (or sandbox: true in the file): the sandbox's providers and prices by name, the
                // config's own providers and prices over them.
                SandboxBackend sb = SandboxBackend.start(0, SandboxBackend.latencyScale(env));
                resource = sb;
                providers = providers.with(sb.providerSpecs());
                prices = prices.with(sb.prices());
                desc.add("sandbox: started the built-in offline sandbox at " + sb.baseUrl() + " for "
                        + (o.sandbox ? "--sandbox" : "sandbox: true in " + o.config)
                        + "; the sandbox-* models and their prices are fictional");
            }
            providers = spec.withProviders(providers);
            prices = spec.priceBook(prices);
            mode = Mode.CONFIG;
            desc.add("config " + o.config + ": panel " + spec.panel() + ", judge " + spec.judge());
        } else if (o.sandbox || SandboxNames.onlySandbox(o) || (!o.hasModelOverrides() && presentKeys(env).isEmpty())) {
            Local local = o.sandbox || SandboxNames.onlySandbox(o) ? null : Local.probe(env);
            if (local != null) {
                providers = providers.with(Map.of(local.provider, ProviderSpec.keyless(ProviderKind.OPENAI, local.baseUrl)));
                List<String> refs = new ArrayList<>();
                for (String m : local.models) {
                    String ref = local.provider + ":" + m;
                    refs.add(ref);
                    prices = prices.with(ModelRef.parse(ref), localPrice());
                }
                String judge = local.provider + ":" + local.models.get(0);
                spec = FusionSpec.of(refs, List.of(judge));
                mode = Mode.LOCAL;
                desc.add("no provider keys found; using the local model server at " + local.baseUrl + " ("
                        + local.name + ")" + defaults(o, local.models, judge).replaceFirst("^, ", ": "));
                desc.add("set a key (e.g. OPENROUTER_API_KEY) or pass --config to use hosted models");
            } else {
                SandboxBackend sb = SandboxBackend.start(0, SandboxBackend.latencyScale(env));
                resource = sb;
                providers = providers.with(sb.providerSpecs());
                prices = prices.with(sb.prices());
                spec = FusionSpec.of(sb.panel(), List.of(sb.judge())).withQuorum(Math.min(2, sb.panel().size()));
                mode = Mode.SANDBOX;
                desc.add("SANDBOX: no provider keys, no config and no local model server found, so this runs on the"
                        + " built-in offline sandbox at " + sb.baseUrl() + " (real HTTP, real concurrency, real cost"
                        + " arithmetic; fictional models and prices)");
                String d = defaults(o, sb.panel(), sb.judge());
                if (!d.isEmpty()) {
                    desc.add(d.substring(2));
                }
                desc.add("to use real providers: export OPENROUTER_API_KEY=... (or ANTHROPIC_API_KEY, OPENAI_API_KEY,"
                        + " GEMINI_API_KEY, DEEPSEEK_API_KEY, ...) or pass --config fusion.yaml");
            }
        } else if (o.hasModelOverrides()) {
            if (SandboxNames.any(o)) {
                // Names the CLI prints for sandbox models work here too, next to real ones.
                SandboxBackend sb = SandboxBackend.start(0, SandboxBackend.latencyScale(env));
                resource = sb;
                providers = providers.with(sb.providerSpecs());
                prices = prices.with(sb.prices());
                desc.add("sandbox models named: started the built-in offline sandbox at " + sb.baseUrl()
                        + " (fictional models and prices)");
            }
            spec = FusionSpec.empty();
            mode = Mode.FLAGS;
        } else {
            mode = Mode.KEYS;
            List<KeyChoice> present = presentKeys(env);
            List<String> panel = new ArrayList<>();
            List<String> judges = new ArrayList<>();
            for (KeyChoice k : present) {
                panel.addAll(k.cheap());
                if (k.flagship() != null) {
                    judges.add(k.flagship());
                }
            }
            if (panel.size() > 4) {
                panel = panel.subList(0, 4);
            }
            if (panel.isEmpty()) {
                panel.add(judges.get(judges.size() - 1));
            }
            if (judges.isEmpty()) {
                judges.add(panel.get(0));
            }
            spec = FusionSpec.of(panel, judges).withAllowUnpriced(true);
            desc.add("keys found for " + present.stream().map(KeyChoice::provider).toList()
                    + (o.panel != null ? "" : ": budget panel " + panel)
                    + (o.judge != null ? "" : (o.panel != null ? ": " : ", ") + "flagship judge " + judges.get(0)
                    + (judges.size() > 1 ? " (fallbacks " + judges.subList(1, judges.size()) + ")" : "")));
            desc.add("choose your own with --panel a,b,c --judge x, or --config fusion.yaml");
        }
        if (o.panel != null) {
            desc.add("panel from --panel: " + o.panel);
        }
        if (o.judge != null) {
            desc.add("judge from --judge: " + o.judge);
        }
        if (o.strategy != null) {
            desc.add("strategy from --strategy: " + o.strategy);
        }
        try {
            // One path for every mode: the mode's spec, the flags over it, one mapping onto the builder.
            FusionSpec.Overrides flags = overrides(o);
            Fusion.Builder b;
            try {
                b = spec.with(flags).toFusionBuilder(providers, prices);
            } catch (ConfigKeyException e) {
                throw new CliException(describe(e, flags, mode, o));
            }
            customize.accept(b);
            return new Setup(b.build(), providers, mode, desc, prices, resource);
        } catch (RuntimeException e) {
            if (resource != null) {
                try {
                    resource.close();
                } catch (Exception ignored) {
                    // reporting the configuration error matters more
                }
            }
            throw e;
        }
    }

    /**
     * ", panel [...], judge x" for the parts of a mode's default choice that no flag replaces (empty when both
     * are replaced): the CLI never prints a default panel that --panel then replaces.
     */
    static String defaults(CommonOptions o, List<String> panel, String judge) {
        StringBuilder sb = new StringBuilder();
        if (o.panel == null) {
            sb.append(", panel ").append(panel);
        }
        if (o.judge == null) {
            sb.append(", judge ").append(judge);
        }
        return sb.toString();
    }

    /** The flags as overrides of the spec's keys. */
    static FusionSpec.Overrides overrides(CommonOptions o) {
        return new FusionSpec.Overrides(o.panel, o.judge, o.quorum, o.budget,
                o.timeout == null ? null : Durations.parse("--timeout", o.timeout).toMillis(),
                o.strategy == null ? null : new FusionSpec.StrategySpec(strategyName(o.strategy), strategyOptions(o.strategy)));
    }

    /** A spec problem in the user's terms: the flag that set the key, else the config file or the mode. */
    private static String describe(ConfigKeyException e, FusionSpec.Overrides flags, Mode mode, CommonOptions o) {
        // the problem without the key's own name in front ("strategy layered: rounds ..." under --strategy)
        String problem = e.problem().startsWith(e.key() + " ") ? e.problem().substring(e.key().length() + 1) : e.problem();
        String flag = CommonOptions.FLAG_FOR_KEY.get(e.key());
        if (flags.keys().contains(e.key())) {
            return flag + " " + problem;
        }
        if (mode == Mode.CONFIG) {
            return "config " + o.config + ": " + e.getMessage();
        }
        if (problem.startsWith("is missing") && flag != null) {
            // e.g. --panel given without --judge: say which flag to add, not which internal setup lacks it
            return "no " + e.key() + " given; name one with " + flag + (e.key().equals("judge") ? " MODEL" : "")
                    + (mode == Mode.FLAGS && e.key().equals("judge") ? " (--panel alone does not choose a judge)" : "");
        }
        String where = switch (mode) {
            case KEYS -> "the panel chosen from your API keys";
            case LOCAL -> "the local model server's panel";
            case SANDBOX -> "the sandbox panel";
            case FLAGS -> "the models named with --panel/--judge";
            default -> "the configuration";
        };
        return where + ": " + e.key() + " " + problem + (flag != null ? " (set it with " + flag + ")" : "");
    }

    /** {@code layered} or {@code layered:rounds=3,...}: the name part. */
    static String strategyName(String spec) {
        int c = spec.indexOf(':');
        return (c < 0 ? spec : spec.substring(0, c)).trim();
    }

    /** {@code cascade:agree=2,flagships=a:b;c:d}: the options part (flagships separated by ';'). */
    static Map<String, Object> strategyOptions(String spec) {
        Map<String, Object> opts = new LinkedHashMap<>();
        int c = spec.indexOf(':');
        if (c < 0) {
            return opts;
        }
        for (String kv : spec.substring(c + 1).split(",")) {
            if (kv.isBlank()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq < 0) {
                throw new CliException("--strategy options are key=value pairs, e.g. layered:rounds=3; got '" + kv + "'");
            }
            String k = kv.substring(0, eq).trim();
            String v = kv.substring(eq + 1).trim();
            opts.put(k, k.equals("flagships") ? List.of(v.split(";")) : v.matches("-?\\d+") ? (Object) Long.parseLong(v) : v);
        }
        return opts;
    }

    static List<KeyChoice> presentKeys(Map<String, String> env) {
        List<KeyChoice> out = new ArrayList<>();
        for (KeyChoice k : KEY_CHOICES) {
            String v = env.get(k.envVar());
            if (v != null && !v.isBlank()) {
                out.add(k);
            }
        }
        return out;
    }

    private static Price localPrice() {
        return new Price(Rates.of("0", "0"), List.of(), "local model: no per-token charge", LocalDate.now());
    }

    /** A local OpenAI-compatible model server found on loopback. */
    static final class Local {
        final String name;
        final String provider;
        final String baseUrl;
        final List<String> models;

        Local(String name, String provider, String baseUrl, List<String> models) {
            this.name = name;
            this.provider = provider;
            this.baseUrl = baseUrl;
            this.models = models;
        }

        /** Where Ollama listens by default. */
        static final String OLLAMA_DEFAULT = "http://127.0.0.1:11434/v1";
        /** How long a server at a default port gets to answer: a local server answers at once, or is not there. */
        static final Duration DEFAULT_PORT_WAIT = Duration.ofMillis(400);
        /** How long a server the user named (OLLAMA_HOST) gets: it should be there, so a slow start is not absence. */
        static final Duration NAMED_WAIT = Duration.ofSeconds(5);

        /**
         * The base URL of Ollama's OpenAI-compatible API: from {@code OLLAMA_HOST} when set (the variable
         * Ollama itself reads: {@code host}, {@code host:port}, {@code :port} or {@code http://host:port};
         * no host or a bind-all address means this machine, no port means 11434), else the default.
         *
         * @throws CliException when OLLAMA_HOST is set but is not such an address
         */
        static String ollamaBaseUrl(Map<String, String> env) {
            String v = env.get("OLLAMA_HOST");
            if (v == null || v.isBlank()) {
                return OLLAMA_DEFAULT;
            }
            String raw = v.strip();
            if (raw.length() > 255) {
                throw new CliException("OLLAMA_HOST is " + raw.length() + " characters long; set it to host:port,"
                        + " e.g. OLLAMA_HOST=127.0.0.1:11434");
            }
            String withScheme = raw.contains("://") ? raw : "http://" + (raw.startsWith(":") ? "127.0.0.1" + raw : raw);
            URI u;
            try {
                u = new URI(withScheme);
            } catch (java.net.URISyntaxException e) {
                throw new CliException("OLLAMA_HOST='" + raw + "' is not host[:port]; set it like"
                        + " OLLAMA_HOST=127.0.0.1:11434 (" + e.getReason() + ")");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            String host = u.getHost();
            boolean onlyAuthority = (u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))
                    && u.getRawQuery() == null && u.getRawFragment() == null && u.getRawUserInfo() == null;
            if (!(scheme.equals("http") || scheme.equals("https")) || host == null || !onlyAuthority) {
                throw new CliException("OLLAMA_HOST='" + raw + "' is not host[:port] (an http or https address"
                        + " without a path); set it like OLLAMA_HOST=127.0.0.1:11434");
            }
            if (host.equals("0.0.0.0") || host.equals("[::]")) {
                host = "127.0.0.1"; // the server listens on every interface of this machine: reach it on loopback
            }
            int port = u.getPort() < 0 ? 11434 : u.getPort();
            return scheme + "://" + host + ":" + port + "/v1";
        }

        /**
         * The environment variable that turns the search for a local model server off ({@code off}, {@code false}
         * or {@code 0}): on a machine where something else answers at a default port (a CI runner, a web app on
         * :8080), the CLI then goes straight to the sandbox.
         */
        static final String PROBE_ENV = "FUSION_LOCAL_PROBE";
        /** The most a model list may weigh: a server that sends more is not used (and not read further). */
        static final int MAX_MODELS_BYTES = 1 << 20;
        /** What a model id taken from a local server may look like before it becomes part of a model reference. */
        private static final java.util.regex.Pattern MODEL_ID = java.util.regex.Pattern.compile("[^\\s\\p{Cntrl}]{1,200}");

        static boolean probeOff(Map<String, String> env) {
            String v = env.get(PROBE_ENV);
            return v != null && List.of("off", "false", "0").contains(v.strip().toLowerCase(java.util.Locale.ROOT));
        }

        /**
         * Looks for a local OpenAI-compatible server (Ollama, LM Studio, llama.cpp) and lists up to three of its
         * models. Whatever answers at those ports is untrusted: the whole call is bounded in time (the body
         * included), the body in size ({@value #MAX_MODELS_BYTES} bytes), redirects are not followed, and ids
         * that are not short printable tokens, or that do not form a model reference, are skipped.
         */
        static Local probe(Map<String, String> env) {
            if (probeOff(env)) {
                return null;
            }
            boolean named = env.get("OLLAMA_HOST") != null && !env.get("OLLAMA_HOST").isBlank();
            Map<String, String[]> servers = new LinkedHashMap<>();
            servers.put("Ollama", new String[] {"ollama", ollamaBaseUrl(env)});
            servers.put("LM Studio", new String[] {"lmstudio", "http://127.0.0.1:1234/v1"});
            servers.put("llama.cpp server", new String[] {"llamacpp", "http://127.0.0.1:8080/v1"});
            for (Map.Entry<String, String[]> e : servers.entrySet()) {
                boolean namedHere = named && e.getKey().equals("Ollama");
                okhttp3.OkHttpClient http = client(namedHere ? NAMED_WAIT : DEFAULT_PORT_WAIT,
                        namedHere ? NAMED_WAIT : Duration.ofMillis(250));
                List<String> ids;
                try {
                    ids = models(http, e.getValue()[0], e.getValue()[1]);
                } finally {
                    http.connectionPool().evictAll();
                }
                if (!ids.isEmpty()) {
                    return new Local(e.getKey(), e.getValue()[0], e.getValue()[1], ids.subList(0, Math.min(3, ids.size())));
                }
            }
            return null;
        }

        /**
         * The client the search asks with: {@code callTimeout} bounds the whole call, body included; no redirect is
         * followed (nothing is sent but a GET, yet a port squatter does not get to send the CLI elsewhere); no retry.
         */
        static okhttp3.OkHttpClient client(Duration callTimeout, Duration connectTimeout) {
            return new okhttp3.OkHttpClient.Builder().followRedirects(false).followSslRedirects(false)
                    .retryOnConnectionFailure(false).callTimeout(callTimeout).connectTimeout(connectTimeout).build();
        }

        /** The usable model ids {@code baseUrl}/models lists, or none (nothing there, an error, too big, not JSON). */
        static List<String> models(okhttp3.OkHttpClient http, String provider, String baseUrl) {
            okhttp3.Request req = new okhttp3.Request.Builder().url(baseUrl + "/models").get().build();
            try (okhttp3.Response r = http.newCall(req).execute()) {
                if (r.code() != 200) {
                    return List.of();
                }
                okio.BufferedSource src = r.body().source();
                if (src.request(MAX_MODELS_BYTES + 1L)) {
                    return List.of(); // more than a model list weighs
                }
                byte[] body = src.getBuffer().readByteArray();
                List<String> ids = new ArrayList<>();
                for (com.fasterxml.jackson.databind.JsonNode n : dev.fusion.providers.internal.Json.MAPPER.readTree(body).path("data")) {
                    String id = n.path("id").asText("");
                    if (MODEL_ID.matcher(id).matches() && isModelRef(provider + ":" + id)) {
                        ids.add(id);
                    }
                }
                return ids;
            } catch (java.io.IOException | RuntimeException nothingThere) {
                return List.of(); // nothing listening there, or not a model server
            }
        }

        private static boolean isModelRef(String ref) {
            try {
                ModelRef.parse(ref);
                return true;
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }

    static BigDecimal usd(String s) {
        return new BigDecimal(s);
    }

    /** For preview: the models of the panel and judge chain. */
    List<ChatModel> judgeModels() {
        return fusion.judges().stream().map(Member::model).toList();
    }
}
