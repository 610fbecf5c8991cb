package dev.fusion.providers.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.providers.batch.BatchItem;
import dev.fusion.providers.internal.Json;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Gemini batch mode with inline requests, per the Gemini API Batch Mode guide and reference
 * ({@code models.batchGenerateContent}, {@code batches.get}):
 * {@code POST {base}/v1beta/models/{model}:batchGenerateContent} with
 * {@code {"batch":{"display_name", "input_config":{"requests":{"requests":[{"request", "metadata":{"key"}}]}}}}};
 * the answer is an operation named {@code batches/{id}}; {@code GET {base}/v1beta/batches/{id}} until
 * {@code metadata.state} is {@code JOB_STATE_SUCCEEDED | FAILED | CANCELLED | EXPIRED} (the
 * {@code BATCH_STATE_*} spelling is read too); inline results are in
 * {@code response.inlinedResponses.inlinedResponses[]}, each {@code {"response" | "error", "metadata":{"key"}}}.
 * Counts come from {@code metadata.batchStats} (int64 as strings).
 */
public final class GeminiBatchWire implements BatchWire {

    private static final Logger log = LoggerFactory.getLogger(GeminiBatchWire.class);
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    private static final Pattern NAME = Pattern.compile("batches/[A-Za-z0-9_.-]{1,200}");

    private final BatchHttp http;
    private final String model;
    private final long maxResultBytes;
    private final long maxStatusBytes;

    public GeminiBatchWire(BatchHttp http, String model, long maxResultBytes, long maxStatusBytes) {
        this.http = http;
        this.model = model;
        this.maxResultBytes = maxResultBytes;
        this.maxStatusBytes = maxStatusBytes;
    }

    @Override
    public String name() {
        return "gemini";
    }

    @Override
    public String submit(List<String> ids, List<ObjectNode> bodies) {
        ObjectNode root = Json.object();
        ObjectNode batch = root.putObject("batch");
        batch.put("display_name", "fusion-batch");
        ArrayNode requests = batch.putObject("input_config").putObject("requests").putArray("requests");
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode r = requests.addObject();
            r.set("request", bodies.get(i));
            r.putObject("metadata").put("key", ids.get(i));
        }
        String m = model.startsWith("models/") ? model.substring(7) : model;
        JsonNode op = http.post(http.url("v1beta/models").addPathSegment(m + ":batchGenerateContent").build(),
                RequestBody.create(OpenAiBatchWire.bytes(root), JSON), maxStatusBytes);
        String name = op.path("name").asText("");
        if (!NAME.matcher(name).matches()) {
            throw dev.fusion.model.ProviderException.malformed("the batch operation has no usable name (batches/...)", null);
        }
        return name;
    }

    @Override
    public Poll poll(String batchId) {
        if (!NAME.matcher(batchId).matches()) {
            throw new IllegalArgumentException("not a Gemini batch name: batches/...");
        }
        JsonNode op = http.get(http.url("v1beta").addPathSegments(batchId).build(), maxResultBytes);
        JsonNode meta = op.path("metadata");
        String state = meta.path("state").asText("unknown");
        String s = state.replace("BATCH_STATE_", "").replace("JOB_STATE_", "");
        boolean ended = switch (s) {
            case "SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED" -> true;
            default -> false;
        };
        JsonNode stats = meta.path("batchStats");
        int ok = BatchWire.count(stats.get("successfulRequestCount"));
        int failed = BatchWire.count(stats.get("failedRequestCount"));
        BatchItem.Status leftover = switch (s) {
            case "EXPIRED" -> BatchItem.Status.EXPIRED;
            case "CANCELLED" -> BatchItem.Status.CANCELED;
            case "FAILED" -> BatchItem.Status.ERRORED;
            default -> BatchItem.Status.MISSING;
        };
        return new Poll(state, ended, ok + failed, BatchWire.count(stats.get("requestCount")), leftover, op);
    }

    @Override
    public Map<String, Raw> results(String batchId, Poll ended, Set<String> submitted) {
        JsonNode inl = ended.raw().path("response").path("inlinedResponses");
        JsonNode list = inl.isArray() ? inl : inl.path("inlinedResponses");
        Map<String, Raw> out = new HashMap<>();
        for (JsonNode line : list) {
            String id = line.path("metadata").path("key").asText(null);
            if (id == null || !submitted.contains(id)) {
                log.warn("batch {} returned a result for a key that was not submitted; ignored", batchId);
                continue;
            }
            JsonNode response = line.get("response");
            if (response != null && response.isObject()) {
                out.put(id, new Raw(BatchItem.Status.SUCCEEDED, response, null));
            } else {
                out.put(id, new Raw(BatchItem.Status.ERRORED, null, BatchWire.message(line.get("error"))));
            }
        }
        return out;
    }
}
