package dev.fusion.providers.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A submitted batch as a caller persists it: enough to resume polling the same batch after the process
 * died, and never submit it again. Holds no key, prompt or answer. Immutable.
 *
 * <p>JSON form (what {@link #write} stores):
 * <pre>{@code
 * {"version":1, "model":"openai:gpt-5-mini", "wire":"openai", "batchId":"batch_abc",
 *  "customIds":["q1","q2"], "submittedAt":"2026-12-07T21:00:00Z"}
 * }</pre>
 *
 * @param model       the model as {@code provider:model}
 * @param wire        the batch API: {@code openai}, {@code anthropic} or {@code gemini}
 * @param batchId     the provider's batch id ({@code batch_...}, {@code msgbatch_...}, {@code batches/...})
 * @param customIds   the ids submitted, in order (unique)
 * @param submittedAt when the batch was accepted, on the client's clock
 */
public record BatchJob(String model, String wire, String batchId, List<String> customIds, Instant submittedAt) {

    private static final ObjectMapper JSON = dev.fusion.providers.internal.ObjectMappers.WIRE;
    /** A state file larger than this is not a batch job (hostile or corrupt). */
    private static final long MAX_FILE_BYTES = 64L * 1024 * 1024;

    public BatchJob {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(wire, "wire");
        Objects.requireNonNull(batchId, "batchId");
        Objects.requireNonNull(submittedAt, "submittedAt");
        customIds = List.copyOf(customIds);
        if (customIds.stream().distinct().count() != customIds.size()) {
            throw new IllegalArgumentException("custom ids must be unique");
        }
    }

    /** The JSON form. */
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("version", 1).put("model", model).put("wire", wire).put("batchId", batchId);
        customIds.forEach(o.putArray("customIds")::add);
        o.put("submittedAt", submittedAt.toString());
        return o;
    }

    /** Reads the JSON form; throws {@link IllegalArgumentException} when a field is missing or wrong. */
    public static BatchJob fromJson(JsonNode o) {
        if (o == null || !o.isObject() || o.path("version").asInt() != 1) {
            throw new IllegalArgumentException("not a batch job (version 1) state");
        }
        List<String> ids = new ArrayList<>();
        for (JsonNode id : o.path("customIds")) {
            if (!id.isTextual()) {
                throw new IllegalArgumentException("customIds must be strings");
            }
            ids.add(id.asText());
        }
        return new BatchJob(text(o, "model"), text(o, "wire"), text(o, "batchId"), ids,
                Instant.parse(text(o, "submittedAt")));
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new IllegalArgumentException("batch job state has no \"" + field + "\"");
        }
        return v.asText();
    }

    /** Writes the JSON form atomically (a temp file moved over {@code file}). */
    public void write(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".batch", ".tmp");
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson()));
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write batch state " + file, e);
        }
    }

    /** Reads a state file written by {@link #write}. */
    public static BatchJob read(Path file) {
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new IllegalArgumentException("batch state " + file + " is larger than " + MAX_FILE_BYTES + " bytes");
            }
            return fromJson(JSON.readTree(file.toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read batch state " + file, e);
        }
    }
}
