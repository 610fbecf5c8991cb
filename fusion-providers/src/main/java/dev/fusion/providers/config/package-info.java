/**
 * Fusion configuration files (YAML or JSON): {@link dev.fusion.providers.config.FusionConfig} parses
 * and validates one into typed, immutable values and turns it into a {@code Fusion.Builder}; a bad
 * file fails with a message naming the key path, the valid keys and the line and column.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Parsed configurations are immutable and thread-safe.
 */
package dev.fusion.providers.config;
