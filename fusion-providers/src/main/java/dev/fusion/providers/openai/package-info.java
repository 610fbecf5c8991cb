/**
 * The OpenAI Chat Completions (and compatible servers) wire format: its {@link dev.fusion.model.ChatModel} (plain and streamed requests, typed
 * provider errors, prompt caching where the format has it) and how its usage block becomes a
 * {@link dev.fusion.cost.Usage}. Obtain models through {@link dev.fusion.providers.Providers} rather
 * than the constructors, which take the shared HTTP client and the key source.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Models are thread-safe and meant to be shared.
 */
package dev.fusion.providers.openai;
