package dev.fusion.structured.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The bounded JSON readers of the structured package: decimals kept exact and as written, duplicate keys
 * rejected, nesting bounded. Thread-safe (configured once, never changed).
 */
public final class Json {

    private Json() {
    }

    /** A reader whose documents nest at most {@code maxDepth} levels. */
    public static ObjectMapper reader(int maxDepth) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth)
                        .maxNumberLength(AnswerParser.MAX_NUMBER_CHARS).build())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
                .build();
    }
}
