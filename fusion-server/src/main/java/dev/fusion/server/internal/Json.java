package dev.fusion.server.internal;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;

/** The server's one JSON mapper (thread-safe) with bounded reading, and small helpers. */
public final class Json {

    /** Nesting deeper than this is refused (a request body is hostile input). */
    public static final int MAX_DEPTH = 64;

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    static {
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_DEPTH).maxNumberLength(100).maxStringLength(16 * 1024 * 1024).build());
    }

    private Json() {
    }

    public static String write(JsonNode n) {
        try {
            return MAPPER.writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    /** A USD amount as a JSON number (plain, unrounded) or null when unknown. */
    public static void putUsd(com.fasterxml.jackson.databind.node.ObjectNode o, String field, BigDecimal usd) {
        if (usd == null) {
            o.putNull(field);
        } else {
            o.put(field, usd.stripTrailingZeros().compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : usd.stripTrailingZeros());
        }
    }
}
