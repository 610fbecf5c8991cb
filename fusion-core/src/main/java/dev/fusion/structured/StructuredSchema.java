package dev.fusion.structured;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.internal.ObjectMappers;
import dev.fusion.structured.internal.AnswerParser;
import dev.fusion.structured.internal.CompiledSchema;
import dev.fusion.structured.internal.SchemaGuard;

import java.util.List;
import java.util.Objects;

/**
 * A JSON Schema that structured answers must satisfy: parsed, checked and compiled once, then used to
 * read and validate any number of answers. Draft 2020-12 unless the schema's {@code $schema} names
 * draft 2019-09, 07, 06 or 04.
 *
 * <p>Bounded: a schema over {@link #MAX_SCHEMA_CHARS} characters, {@link #MAX_SCHEMA_DEPTH} levels of
 * nesting or {@link #MAX_SCHEMA_NODES} nodes is refused, and so is a {@code $ref} that points outside the
 * document (schemas are never fetched from files or the network). Answers are bounded by
 * {@link #MAX_ANSWER_CHARS} and {@link #MAX_ANSWER_DEPTH}.
 *
 * <p>Immutable and thread-safe.
 */
public final class StructuredSchema {

    /** Longest schema text accepted. */
    public static final int MAX_SCHEMA_CHARS = 64 * 1024;
    /** Deepest nesting of the schema document accepted. */
    public static final int MAX_SCHEMA_DEPTH = ObjectMappers.SCHEMA_DEPTH;
    /** Most JSON nodes in a schema document. */
    public static final int MAX_SCHEMA_NODES = 10_000;
    /** Longest answer text accepted. */
    public static final int MAX_ANSWER_CHARS = 256 * 1024;
    /** Deepest nesting of an answer accepted. */
    public static final int MAX_ANSWER_DEPTH = ObjectMappers.ANSWER_DEPTH;
    /** Most validation errors reported for one instance (a final line says how many more there were). */
    public static final int MAX_ERRORS = 20;

    private static final ObjectMapper SCHEMA_READER = ObjectMappers.SCHEMAS;
    private static final AnswerParser ANSWERS = new AnswerParser(MAX_ANSWER_CHARS, MAX_ANSWER_DEPTH,
            ObjectMappers.ANSWERS);

    private final JsonNode node;
    private final String json;
    private final CompiledSchema compiled;

    private StructuredSchema(JsonNode node) {
        SchemaGuard.check(node, MAX_SCHEMA_DEPTH, MAX_SCHEMA_NODES);
        this.node = node.deepCopy();
        this.json = this.node.toString();
        if (json.length() > MAX_SCHEMA_CHARS) {
            throw new InvalidConfigurationException("the JSON Schema has " + json.length()
                    + " characters; at most " + MAX_SCHEMA_CHARS + " are accepted");
        }
        this.compiled = new CompiledSchema(this.node);
    }

    /**
     * Parses a schema from its JSON text.
     *
     * @throws InvalidConfigurationException if the text is not JSON, too large or deep, or not a usable schema
     */
    public static StructuredSchema parse(String schemaJson) {
        Objects.requireNonNull(schemaJson, "schemaJson");
        if (schemaJson.length() > MAX_SCHEMA_CHARS) {
            throw new InvalidConfigurationException("the JSON Schema has " + schemaJson.length()
                    + " characters; at most " + MAX_SCHEMA_CHARS + " are accepted");
        }
        JsonNode tree;
        try {
            tree = SCHEMA_READER.readTree(schemaJson);
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new InvalidConfigurationException("the JSON Schema nests deeper than " + MAX_SCHEMA_DEPTH
                    + " levels; flatten it or move shared parts to $defs");
        } catch (JsonProcessingException e) {
            String m = e.getOriginalMessage();
            throw new InvalidConfigurationException("the JSON Schema is not valid JSON"
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")") + ": " + (m != null && m.length() > 200 ? m.substring(0, 200) : m));
        }
        return new StructuredSchema(tree);
    }

    /**
     * A schema from a JSON tree (copied; later changes to {@code schema} have no effect).
     *
     * @throws InvalidConfigurationException if it is too large or deep or not a usable schema
     */
    public static StructuredSchema of(JsonNode schema) {
        Objects.requireNonNull(schema, "schema");
        return new StructuredSchema(schema);
    }

    /** The schema as a JSON tree (a copy). */
    public JsonNode node() {
        return node.deepCopy();
    }

    /** The schema as compact JSON text. */
    public String json() {
        return json;
    }

    /**
     * Validates an instance.
     *
     * @return the errors, "JSON Pointer: message" each ({@code (root)} for the whole instance); empty when valid
     */
    public List<String> validate(JsonNode instance) {
        Objects.requireNonNull(instance, "instance");
        try {
            return List.copyOf(compiled.validate(instance, MAX_ERRORS));
        } catch (RuntimeException | StackOverflowError e) {
            // An answer the validator cannot get through (a number it cannot convert, a recursion it
            // cannot end) is an invalid answer, reported as one, never an exception out of the ask.
            return List.of("(root): the answer could not be checked against the schema ("
                    + e.getClass().getSimpleName() + ")");
        }
    }

    /** Whether the instance is valid. */
    public boolean isValid(JsonNode instance) {
        return validate(instance).isEmpty();
    }

    /**
     * Reads a model's text answer into JSON, without validating it: the whole text, or one code fence
     * ({@code ```json … ```}) that is the whole text. Text before or after the value is refused.
     *
     * @throws InvalidAnswerException with {@link AnswerProblem#EMPTY}, {@link AnswerProblem#TOO_LARGE},
     *                                {@link AnswerProblem#TOO_DEEP}, {@link AnswerProblem#NOT_JSON} or
     *                                {@link AnswerProblem#TRAILING_CONTENT}
     */
    public static JsonNode parseJson(String answerText) {
        return ANSWERS.parse(answerText);
    }

    /**
     * Reads a model's text answer ({@link #parseJson}) and validates it against this schema.
     *
     * @return the answer as JSON, valid against this schema
     * @throws InvalidAnswerException if it cannot be read or is not valid ({@link AnswerProblem#SCHEMA_VIOLATION})
     */
    public JsonNode readAnswer(String answerText) {
        JsonNode answer = parseJson(answerText);
        requireValid(answer);
        return answer;
    }

    /**
     * @throws InvalidAnswerException with {@link AnswerProblem#SCHEMA_VIOLATION} if the instance is not valid
     */
    public void requireValid(JsonNode instance) {
        List<String> errors = validate(instance);
        if (!errors.isEmpty()) {
            throw new InvalidAnswerException(AnswerProblem.SCHEMA_VIOLATION, errors);
        }
    }

    /** The schema text. */
    @Override
    public String toString() {
        return json.length() <= 200 ? json : json.substring(0, 200) + "…";
    }

    /** Equal when the schema documents are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StructuredSchema s && s.node.equals(node);
    }

    @Override
    public int hashCode() {
        return node.hashCode();
    }
}
