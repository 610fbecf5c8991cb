package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;
import dev.fusion.model.ExtraBody;

import java.util.Map;
import java.util.Objects;

/**
 * How to reach one provider: its wire format, base URL and where its API key comes from. Immutable
 * and thread-safe; {@link #toString()} never shows a literal key.
 *
 * @param kind           the wire format
 * @param baseUrl        the API root (without userinfo: {@code user:password@} is rejected): for {@code openai} the URL before {@code /chat/completions}
 *                       (usually ending in {@code /v1}); for {@code anthropic} the host root before
 *                       {@code /v1/messages}; for {@code gemini} the host root before {@code /v1beta}
 * @param apiKeyEnv      the environment variable holding the key, or null for a keyless server
 * @param apiKey         a literal key (discouraged: prefer {@code apiKeyEnv}); null for none
 * @param maxTokensParam for {@code openai} kinds: {@code max_tokens} (default) or {@code max_completion_tokens}
 * @param headers        extra non-secret headers sent with every request (may be empty)
 * @param capabilities   what the API documents beyond text (null: {@link Capabilities#defaults})
 * @param extraBody      fields merged into every request body of this provider (a member's own extra body
 *                       wins on the same key); one colliding with a field Fusion sets is a configuration error
 */
public record ProviderSpec(ProviderKind kind, String baseUrl, String apiKeyEnv, String apiKey, String maxTokensParam,
                           Map<String, String> headers, Capabilities capabilities, Map<String, Object> extraBody) {

    public ProviderSpec {
        Objects.requireNonNull(kind, "kind");
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new InvalidConfigurationException("a provider needs a baseUrl");
        }
        baseUrl = baseUrl.trim();
        while (baseUrl.endsWith("/")) {
            baseUrl = baseUrl.substring(0, baseUrl.length() - 1);
        }
        okhttp3.HttpUrl parsed = okhttp3.HttpUrl.parse(baseUrl);
        if (parsed == null) {
            // Not parseable, so its userinfo cannot be cut out reliably: show only what precedes any '@'.
            int at = baseUrl.lastIndexOf('@');
            String shown = at < 0 ? baseUrl : "…@" + baseUrl.substring(at + 1);
            if (shown.indexOf(':') < 0 && shown.indexOf('/') < 0 && shown.indexOf('.') < 0) {
                // No scheme, host or path at all: most likely a key pasted into the wrong field.
                throw new InvalidConfigurationException("baseUrl is not an http(s) URL (the value, " + baseUrl.length()
                        + " characters with no scheme, host or path, is not repeated here: it may be a key pasted into"
                        + " the wrong field); write it as https://host/path and set the key with apiKeyEnv");
            }
            throw new InvalidConfigurationException("baseUrl '" + shown + "' is not an http(s) URL");
        }
        if (!parsed.username().isEmpty() || !parsed.password().isEmpty()) {
            throw new InvalidConfigurationException("baseUrl " + parsed.scheme() + "://" + parsed.host() + ":"
                    + parsed.port() + parsed.encodedPath() + " carries userinfo (user:password@ before the host);"
                    + " credentials in a URL are not supported: remove them and set the API key by environment variable");
        }
        apiKeyEnv = apiKeyEnv == null || apiKeyEnv.isBlank() ? null : apiKeyEnv.trim();
        apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
        if (maxTokensParam == null || maxTokensParam.isBlank()) {
            maxTokensParam = "max_tokens";
        }
        if (!maxTokensParam.equals("max_tokens") && !maxTokensParam.equals("max_completion_tokens")) {
            throw new InvalidConfigurationException("maxTokensParam must be max_tokens or max_completion_tokens, was '"
                    + maxTokensParam + "'");
        }
        headers = headers == null ? Map.of() : Map.copyOf(headers);
        dev.fusion.providers.internal.WireExtras.requireNoCredentialHeaders(headers, "this provider");
        capabilities = capabilities == null ? Capabilities.defaults(kind) : capabilities;
        extraBody = ExtraBody.copyOf(extraBody);
    }

    /** A provider with the default capabilities of its kind and no extra body. */
    public ProviderSpec(ProviderKind kind, String baseUrl, String apiKeyEnv, String apiKey, String maxTokensParam,
                        Map<String, String> headers) {
        this(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, null, Map.of());
    }

    /** With these capabilities. */
    public ProviderSpec withCapabilities(Capabilities capabilities) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, capabilities, extraBody);
    }

    /** With these extra body fields for every request (JSON values; see {@link ExtraBody}). */
    public ProviderSpec withExtraBody(Map<String, ?> extraBody) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, capabilities,
                ExtraBody.copyOf(extraBody));
    }

    /** A provider of this kind at this URL whose key is read from {@code apiKeyEnv} (null = keyless). */
    public static ProviderSpec of(ProviderKind kind, String baseUrl, String apiKeyEnv) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, null, null, Map.of());
    }

    /** A keyless provider (a local server). */
    public static ProviderSpec keyless(ProviderKind kind, String baseUrl) {
        return of(kind, baseUrl, null);
    }

    public ProviderSpec withMaxTokensParam(String param) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, param, headers, capabilities, extraBody);
    }

    public ProviderSpec withHeaders(Map<String, String> headers) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, capabilities, extraBody);
    }

    /** With a literal key. Discouraged: keys in code or config files leak; prefer an environment variable. */
    public ProviderSpec withApiKey(String apiKey) {
        return new ProviderSpec(kind, baseUrl, apiKeyEnv, apiKey, maxTokensParam, headers, capabilities, extraBody);
    }

    /** Whether calls need a key (one is configured by variable or literal). */
    public boolean needsKey() {
        return apiKeyEnv != null || apiKey != null;
    }

    /** Whether {@code name}, given as {@code apiKeyEnv}, reads as a variable name rather than a pasted key. */
    static boolean looksLikeAVariableName(String name) {
        return dev.fusion.providers.internal.Printable.looksLikeAVariableName(name);
    }

    /** {@code apiKeyEnv} as it may be printed: its name, or a placeholder when it looks like a pasted key. */
    String shownKeyEnv() {
        return dev.fusion.providers.internal.Printable.keyEnv(apiKeyEnv);
    }

    /** The base URL as it may be printed: scheme, host, port and path, never a query or fragment. */
    String shownBaseUrl() {
        return dev.fusion.providers.internal.Printable.url(baseUrl);
    }

    @Override
    public String toString() {
        return "ProviderSpec[" + kind.configName() + " " + shownBaseUrl()
                + (apiKeyEnv != null ? ", key from $" + shownKeyEnv() : "")
                + (apiKey != null ? ", literal key ***" : "")
                + (apiKeyEnv == null && apiKey == null ? ", keyless" : "")
                + (kind == ProviderKind.OPENAI ? ", " + maxTokensParam : "") + "]";
    }
}
