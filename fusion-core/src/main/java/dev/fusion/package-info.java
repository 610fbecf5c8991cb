/**
 * Fusion's entry point: ask a panel of LLMs concurrently and have a judge model merge their answers,
 * with every call costed exactly. {@link dev.fusion.Fusion} (built by {@link dev.fusion.Fusion.Builder})
 * asks blocking, asynchronously ({@code Mono}) or as a stream of {@link dev.fusion.FusionEvent}s; a
 * {@link dev.fusion.FusionRequest} overrides settings per ask; the answer comes back as a
 * {@link dev.fusion.FusionResult} with one {@link dev.fusion.CallRecord} per model call, or as one of
 * the {@link dev.fusion.FusionException} subtypes carrying what is known. {@link dev.fusion.FusionSettings}
 * shows the effective configuration. Models, costs and judging live in the sub-packages
 * {@code model}, {@code cost} and {@code judge}; {@code dev.fusion.internal} is not API.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <h2>Threads</h2>
 * Values (records, results, events) are immutable and thread-safe; a {@code Fusion} is thread-safe
 * and meant to be shared. Listeners and stream consumers are called on Fusion's threads (see the
 * THREADING section of {@code dev.fusion.internal}'s package documentation).
 */
package dev.fusion;
