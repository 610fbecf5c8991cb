package dev.fusion.providers.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.providers.batch.BatchItem;
import dev.fusion.providers.internal.Json;
import okhttp3.MediaType;
import okhttp3.MultipartBody;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI Batch, per the OpenAI API reference (Files: upload with {@code purpose=batch}; Batch: create,
 * retrieve; the batch input and output file formats) and the Batch API guide:
 * <ol>
 *   <li>{@code POST {base}/files} multipart ({@code purpose=batch}, {@code file}) with one JSONL line per
 *       request: {@code {"custom_id", "method":"POST", "url":"/v1/chat/completions", "body"}};</li>
 *   <li>{@code POST {base}/batches} {@code {"input_file_id", "endpoint":"/v1/chat/completions",
 *       "completion_window":"24h"}};</li>
 *   <li>{@code GET {base}/batches/{id}}: {@code status} validating | in_progress | finalizing | completed |
 *       failed | expired | cancelling | cancelled, {@code request_counts {total, completed, failed}};</li>
 *   <li>{@code GET {base}/files/{output_file_id}/content} and {@code error_file_id}: JSONL lines
 *       {@code {"custom_id", "response": {"status_code", "body"}, "error"}}.</li>
 * </ol>
 * {@code base} is the provider's base URL ({@code https://api.openai.com/v1}).
 */
public final class OpenAiBatchWire implements BatchWire {

    private static final Logger log = LoggerFactory.getLogger(OpenAiBatchWire.class);
    static final String ENDPOINT = "/v1/chat/completions";
    private static final MediaType JSONL = MediaType.get("application/jsonl");
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

    private final BatchHttp http;
    private final long maxResultBytes;
    private final long maxStatusBytes;

    public OpenAiBatchWire(BatchHttp http, long maxResultBytes, long maxStatusBytes) {
        this.http = http;
        this.maxResultBytes = maxResultBytes;
        this.maxStatusBytes = maxStatusBytes;
    }

    @Override
    public String name() {
        return "openai";
    }

    @Override
    public String submit(List<String> ids, List<ObjectNode> bodies) {
        ByteArrayOutputStream jsonl = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < ids.size(); i++) {
                ObjectNode line = Json.object();
                line.put("custom_id", ids.get(i)).put("method", "POST").put("url", ENDPOINT).set("body", bodies.get(i));
                jsonl.write(Json.MAPPER.writeValueAsBytes(line));
                jsonl.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RequestBody upload = new MultipartBody.Builder().setType(MultipartBody.FORM)
                .addFormDataPart("purpose", "batch")
                .addFormDataPart("file", "fusion-batch.jsonl", RequestBody.create(jsonl.toByteArray(), JSONL))
                .build();
        JsonNode file = http.post(http.url("files").build(), upload, maxStatusBytes);
        String fileId = requireId(file, "id", "the uploaded file");
        ObjectNode create = Json.object();
        create.put("input_file_id", fileId).put("endpoint", ENDPOINT).put("completion_window", "24h");
        JsonNode batch = http.post(http.url("batches").build(), RequestBody.create(bytes(create), JSON), maxStatusBytes);
        return requireId(batch, "id", "the created batch");
    }

    @Override
    public Poll poll(String batchId) {
        JsonNode b = http.get(http.url("batches").addPathSegment(batchId).build(), maxStatusBytes);
        String status = b.path("status").asText("unknown");
        JsonNode counts = b.path("request_counts");
        int completed = BatchWire.count(counts.get("completed"));
        int failed = BatchWire.count(counts.get("failed"));
        boolean ended = switch (status) {
            case "completed", "failed", "expired", "cancelled" -> true;
            default -> false;
        };
        BatchItem.Status leftover = switch (status) {
            case "expired" -> BatchItem.Status.EXPIRED;
            case "cancelled" -> BatchItem.Status.CANCELED;
            case "failed" -> BatchItem.Status.ERRORED;
            default -> BatchItem.Status.MISSING;
        };
        return new Poll(status, ended, completed + failed, BatchWire.count(counts.get("total")), leftover, b);
    }

    @Override
    public Map<String, Raw> results(String batchId, Poll ended, Set<String> submitted) {
        Map<String, Raw> out = new HashMap<>();
        for (String field : List.of("output_file_id", "error_file_id")) {
            String fileId = ended.raw().path(field).asText("");
            if (fileId.isEmpty()) {
                continue;
            }
            http.lines(http.url("files").addPathSegment(fileId).addPathSegment("content").build(), maxResultBytes,
                    line -> {
                        String id = line.path("custom_id").asText(null);
                        if (id == null || !submitted.contains(id)) {
                            log.warn("batch {} returned a result for a custom_id that was not submitted; ignored", batchId);
                            return;
                        }
                        JsonNode response = line.get("response");
                        JsonNode error = line.get("error");
                        int code = response == null ? -1 : response.path("status_code").asInt(-1);
                        if (code == 200 && response.get("body") != null && response.get("body").isObject()) {
                            out.put(id, new Raw(BatchItem.Status.SUCCEEDED, response.get("body"), null));
                        } else {
                            String msg = error != null && !error.isNull() ? BatchWire.message(error)
                                    : response != null ? "HTTP " + code + " " + BatchWire.message(response.path("body"))
                                    : "no response";
                            out.putIfAbsent(id, new Raw(BatchItem.Status.ERRORED, null, msg));
                        }
                    });
        }
        return out;
    }

    private static String requireId(JsonNode n, String field, String what) {
        String id = n.path(field).asText("");
        if (id.isEmpty() || id.length() > 256) {
            throw dev.fusion.model.ProviderException.malformed(what + " has no usable \"" + field + "\"", null);
        }
        return id;
    }

    static byte[] bytes(JsonNode n) {
        try {
            return Json.MAPPER.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
