/**
 * The model SPI: a {@link dev.fusion.model.ChatModel} answers a {@link dev.fusion.model.ModelRequest}
 * with a {@link dev.fusion.model.ModelResponse} (or streams {@link dev.fusion.model.ModelStreamEvent}s),
 * failing with a typed {@link dev.fusion.model.ProviderException}; {@link dev.fusion.model.ModelRef}
 * names a model as {@code provider:model}. Implement {@code ChatModel} to put any model on a panel;
 * {@code dev.fusion.providers} implements it over HTTP.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Values are immutable and thread-safe; {@code ChatModel} implementations must be thread-safe
 * and must not block the subscribing thread unless the request's context allows it
 * ({@link dev.fusion.model.ChatModel#MAY_BLOCK_KEY}).
 */
package dev.fusion.model;
