package dev.fusion.providers.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;

/**
 * The configured Jackson mapper of fusion-providers, in one place: no other class of the module creates a
 * general-purpose mapper. Built once and never reconfigured, so thread-safe.
 *
 * <p>{@link #WIRE} reads what providers send and writes what is sent to them, and also serves the module's
 * own small documents (the bundled price book's provenance, a configured price turned into a price-book
 * entry): floats are read as {@link BigDecimal} so that a provider-reported cost ({@code usage.cost}) is
 * never rounded through {@code double}; a document followed by anything but whitespace is malformed
 * ({@code FAIL_ON_TRAILING_TOKENS}); one document holds at most {@value #MAX_TOKENS} tokens (bounding the
 * tree a body of a few MiB can build); {@code NaN}/{@code Infinity} parse (Python's {@code json.dumps}
 * writes them) so that a non-finite cost can be ignored instead of failing a whole answer; parse errors
 * never quote the source; unknown fields are ignored (providers add fields all the time).
 *
 * <p>The one deliberate exception is the configuration reader ({@code config.SpecReader}): it binds
 * YAML and JSON onto {@code FusionSpec} with the opposite rules (an unknown key fails, each value type
 * has its own reader that names the problem in the user's terms) and so keeps its two binding mappers
 * beside those package-private value readers; they are used for nothing else.
 * Internal; not part of the API.
 */
public final class ObjectMappers {

    /** The most JSON tokens one document may hold: bounds the tree a body of a few MiB can build. */
    public static final long MAX_TOKENS = 1_000_000;

    /** The wire mapper: see the class comment. */
    public static final ObjectMapper WIRE = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxTokenCount(MAX_TOKENS).build())
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private ObjectMappers() {
    }
}
