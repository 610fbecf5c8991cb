package dev.fusion.structured.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import dev.fusion.InvalidConfigurationException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The one place that knows the validator library (networknt json-schema-validator): compiles a checked
 * schema once (Draft 2020-12 unless the schema's {@code $schema} names another dialect) and validates
 * instances, reporting "JSON Pointer: message" lines in English. Immutable and thread-safe once built:
 * every validator is initialised in the constructor.
 */
public final class CompiledSchema {

    private static final SchemaRegistryConfig CONFIG = SchemaRegistryConfig.builder()
            .pathType(PathType.JSON_POINTER)
            .locale(Locale.ENGLISH)
            // java.util.regex as by default, but a match stops when its thread is interrupted (a
            // catastrophically backtracking pattern cannot hold a validation past the ask's deadline)
            .regularExpressionFactory(InterruptibleRegex.FACTORY)
            .build();
    /**
     * Meta-schemas only (the validator's bundled copies, by their dialect id): compiled once, shared.
     * User schemas get a registry each, so nothing of one schema (an {@code $id}, a cached sub-schema) is
     * seen by another, and nothing accumulates in a static cache.
     */
    private static final SchemaRegistry META_REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12, b -> b.schemaRegistryConfig(CONFIG));
    private static final java.util.concurrent.ConcurrentMap<String, Schema> META_SCHEMAS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Schema schema;

    public CompiledSchema(JsonNode checkedSchema) {
        JsonNode dialect = checkedSchema.get("$schema");
        String metaId = dialect == null ? "https://json-schema.org/draft/2020-12/schema" : dialect.asText();
        List<com.networknt.schema.Error> metaErrors;
        try {
            metaErrors = META_SCHEMAS.computeIfAbsent(metaId, id -> {
                Schema meta = META_REGISTRY.getSchema(SchemaLocation.of(id));
                meta.initializeValidators();
                return meta;
            }).validate(checkedSchema);
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("the JSON Schema's meta-schema " + metaId
                    + " cannot be loaded: " + first(e), e);
        }
        if (!metaErrors.isEmpty()) {
            com.networknt.schema.Error e = metaErrors.get(0);
            String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
            throw new InvalidConfigurationException("the JSON Schema is not a valid " + metaId + " schema: at "
                    + (at.isEmpty() ? "(root)" : at) + ": " + e.getMessage()
                    + (metaErrors.size() > 1 ? " (and " + (metaErrors.size() - 1) + " more)" : ""));
        }
        try {
            SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
                    b -> b.schemaRegistryConfig(CONFIG));
            this.schema = registry.getSchema(checkedSchema);
            this.schema.initializeValidators();
        } catch (RuntimeException e) {
            throw new InvalidConfigurationException("the JSON Schema cannot be compiled: " + first(e)
                    + "; check it with a JSON Schema 2020-12 validator", e);
        }
    }

    /** At most {@code max} errors, each "pointer: message" ({@code (root)} for the whole instance). */
    public List<String> validate(JsonNode instance, int max) {
        List<com.networknt.schema.Error> errors = schema.validate(instance);
        List<String> out = new ArrayList<>(Math.min(errors.size(), max));
        for (com.networknt.schema.Error e : errors) {
            if (out.size() == max) {
                out.add("… and " + (errors.size() - max) + " more errors");
                break;
            }
            String at = e.getInstanceLocation() == null ? "" : e.getInstanceLocation().toString();
            out.add((at.isEmpty() ? "(root)" : at) + ": " + e.getMessage());
        }
        return out;
    }

    private static String first(Throwable e) {
        String m = e.getMessage();
        while (m == null && e.getCause() != null) {
            e = e.getCause();
            m = e.getMessage();
        }
        return m == null ? e.getClass().getSimpleName() : m.length() > 200 ? m.substring(0, 200) + "…" : m;
    }
}
