package dev.fusion.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The configured Jackson mappers of fusion-core, in one place: no other class of the module creates a
 * mapper. Each instance is built once and never reconfigured, so all are thread-safe.
 *
 * <p>Jackson fixes read limits ({@link StreamReadConstraints}) and features per mapper, and the module
 * reads four kinds of JSON whose rules differ on purpose, so the holder keeps a few named instances
 * rather than one:
 * <ul>
 *   <li>{@link #DEFAULT}: Jackson's defaults. Binding a result into the caller's own type
 *       ({@code FusionResult.as}) and the schema generated for that type must see exactly the same
 *       bean rules, and the judge's analysis and ranking replies are read with them too.</li>
 *   <li>{@link #BOUNDED}: text handed to the library as a value (tool-call arguments, a JSON Schema given
 *       as text): nesting at most {@value #BOUNDED_DEPTH} levels, strings at most
 *       {@value #BOUNDED_STRING_CHARS} characters; the callers bound the whole text first.</li>
 *   <li>{@link #ANSWERS} and {@link #SCHEMAS}: members' structured answers and schemas read for
 *       validation: decimals kept exactly as written (no {@code double}, trailing zeros kept, so
 *       {@code 1.50} stays {@code 1.50} for {@code multipleOf} and {@code const}), duplicate keys
 *       rejected, numbers at most {@value #MAX_NUMBER_CHARS} characters, the parser left open (the
 *       answer parser looks for trailing text). They differ only in nesting: {@value #ANSWER_DEPTH}
 *       levels for an answer, {@value #SCHEMA_DEPTH} plus one for a schema (one past the limit, so
 *       the schema guard can say by how much it is exceeded).</li>
 *   <li>{@link #PRICES}: price books, with floats read as {@code BigDecimal} (money never passes
 *       through {@code double}); unlike {@link #ANSWERS}, a later duplicate key replaces an earlier one
 *       and trailing zeros are stripped, as price books have always been read.</li>
 *   <li>{@link #RESULTS}: writing results: {@code BigDecimal} amounts written plain ({@code 0.0001},
 *       never {@code 1E-4}), empty beans written as {@code {}}. Floats are not read as decimals here,
 *       since {@code valueToTree} of a result's {@code double} fractions must stay doubles.</li>
 * </ul>
 * Internal; not part of the API.
 */
public final class ObjectMappers {

    /** The deepest nesting {@link #BOUNDED} reads. */
    public static final int BOUNDED_DEPTH = 256;
    /** The longest string {@link #BOUNDED} reads, in characters. */
    public static final int BOUNDED_STRING_CHARS = 1024 * 1024;
    /** The most characters of one number in a structured answer or a schema. */
    public static final int MAX_NUMBER_CHARS = 200;
    /** The deepest nesting of a structured answer. */
    public static final int ANSWER_DEPTH = 64;
    /** The deepest nesting of a JSON Schema. */
    public static final int SCHEMA_DEPTH = 32;

    /** Jackson's defaults. */
    public static final ObjectMapper DEFAULT = new ObjectMapper();

    /** Values given as JSON text: nesting and string length bounded. */
    public static final ObjectMapper BOUNDED = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(BOUNDED_DEPTH).maxStringLength(BOUNDED_STRING_CHARS).build())
                    .build())
            .build();

    /** Members' structured answers: exact decimals, no duplicate keys, {@value #ANSWER_DEPTH} levels. */
    public static final ObjectMapper ANSWERS = exactReader(ANSWER_DEPTH);

    /** JSON Schemas read for validation: as {@link #ANSWERS}, {@value #SCHEMA_DEPTH} + 1 levels. */
    public static final ObjectMapper SCHEMAS = exactReader(SCHEMA_DEPTH + 1);

    /** Price books: floats as {@code BigDecimal}. */
    public static final ObjectMapper PRICES = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    /** Writing results: plain decimals, empty beans allowed. */
    public static final ObjectMapper RESULTS = JsonMapper.builder()
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    private ObjectMappers() {
    }

    private static ObjectMapper exactReader(int maxDepth) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth)
                        .maxNumberLength(MAX_NUMBER_CHARS).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(factory)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
                .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
                .build();
    }
}
