package dev.fusion.providers.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.providers.batch.BatchItem;
import dev.fusion.providers.internal.Json;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Anthropic Message Batches, per the Anthropic API reference (Create / Retrieve a Message Batch, Retrieve
 * Message Batch results) and the batch processing guide:
 * {@code POST {base}/v1/messages/batches {"requests":[{"custom_id","params"}]}} where {@code params} is a
 * Messages request body; {@code GET {base}/v1/messages/batches/{id}} until {@code processing_status} is
 * {@code ended} ({@code request_counts {processing, succeeded, errored, canceled, expired}}); then the
 * JSONL at {@code results_url}, lines {@code {"custom_id", "result": {"type": succeeded | errored |
 * canceled | expired, "message" | "error"}}}. A {@code results_url} on another origin than the provider's
 * is refused (see {@link BatchHttp}); the batch's requests are then reported missing with the reason.
 */
public final class AnthropicBatchWire implements BatchWire {

    private static final Logger log = LoggerFactory.getLogger(AnthropicBatchWire.class);
    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

    private final BatchHttp http;
    private final long maxResultBytes;
    private final long maxStatusBytes;

    public AnthropicBatchWire(BatchHttp http, long maxResultBytes, long maxStatusBytes) {
        this.http = http;
        this.maxResultBytes = maxResultBytes;
        this.maxStatusBytes = maxStatusBytes;
    }

    @Override
    public String name() {
        return "anthropic";
    }

    @Override
    public String submit(List<String> ids, List<ObjectNode> bodies) {
        ObjectNode root = Json.object();
        ArrayNode requests = root.putArray("requests");
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode params = bodies.get(i);
            params.remove("stream");
            requests.addObject().put("custom_id", ids.get(i)).set("params", params);
        }
        JsonNode b = http.post(http.url("v1/messages/batches").build(),
                RequestBody.create(OpenAiBatchWire.bytes(root), JSON), maxStatusBytes);
        String id = b.path("id").asText("");
        if (id.isEmpty() || id.length() > 256) {
            throw dev.fusion.model.ProviderException.malformed("the created message batch has no usable \"id\"", null);
        }
        return id;
    }

    @Override
    public Poll poll(String batchId) {
        JsonNode b = http.get(http.url("v1/messages/batches").addPathSegment(batchId).build(), maxStatusBytes);
        String status = b.path("processing_status").asText("unknown");
        JsonNode c = b.path("request_counts");
        int processing = BatchWire.count(c.get("processing"));
        int done = BatchWire.count(c.get("succeeded")) + BatchWire.count(c.get("errored"))
                + BatchWire.count(c.get("canceled")) + BatchWire.count(c.get("expired"));
        return new Poll(status, "ended".equals(status), done, done + processing, BatchItem.Status.MISSING, b);
    }

    @Override
    public Map<String, Raw> results(String batchId, Poll ended, Set<String> submitted) {
        String url = ended.raw().path("results_url").asText("");
        HttpUrl results = url.isEmpty() ? null : HttpUrl.parse(url);
        if (results == null) {
            throw dev.fusion.model.ProviderException.malformed("the ended message batch has no usable results_url", null);
        }
        Map<String, Raw> out = new HashMap<>();
        http.lines(results, maxResultBytes, line -> {
            String id = line.path("custom_id").asText(null);
            if (id == null || !submitted.contains(id)) {
                log.warn("message batch {} returned a result for a custom_id that was not submitted; ignored", batchId);
                return;
            }
            JsonNode result = line.path("result");
            String type = result.path("type").asText("");
            switch (type) {
                case "succeeded" -> {
                    JsonNode message = result.get("message");
                    out.put(id, message != null && message.isObject()
                            ? new Raw(BatchItem.Status.SUCCEEDED, message, null)
                            : new Raw(BatchItem.Status.ERRORED, null, "succeeded without a message"));
                }
                case "errored" -> out.put(id, new Raw(BatchItem.Status.ERRORED, null, BatchWire.message(result.get("error"))));
                case "canceled" -> out.put(id, new Raw(BatchItem.Status.CANCELED, null, "canceled"));
                case "expired" -> out.put(id, new Raw(BatchItem.Status.EXPIRED, null, "expired before it ran"));
                default -> out.put(id, new Raw(BatchItem.Status.ERRORED, null, "unknown result type"));
            }
        });
        return out;
    }
}
