/**
 * Real models over HTTP: {@link dev.fusion.providers.Providers} turns {@code "provider:model"} into a
 * {@link dev.fusion.model.ChatModel} for one of the three wire formats
 * ({@link dev.fusion.providers.ProviderKind}: OpenAI Chat Completions and compatible servers,
 * Anthropic Messages, Gemini generateContent), configured by a {@link dev.fusion.providers.ProviderSpec}
 * (base URL, where the API key comes from); {@link dev.fusion.providers.BundledPrices} is the price
 * book shipped with Fusion. The per-format models live in {@code openai}, {@code anthropic} and
 * {@code gemini}, config files in {@code config}; {@code dev.fusion.providers.internal} is not API.
 * An API key never appears in a log line, exception, {@code toString()} or file.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Every type here is immutable or thread-safe as its documentation states; models are meant to be
 * shared by every ask.
 */
package dev.fusion.providers;
