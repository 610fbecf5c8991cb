package dev.fusion.providers.batch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.providers.batch.BatchItem;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** One provider's batch API. Implementations are stateless apart from their {@link BatchHttp}; thread-safe. */
public interface BatchWire {

    /** {@code openai}, {@code anthropic} or {@code gemini}. */
    String name();

    /** Submits the bodies (as the model's wire format writes them) under their ids; returns the batch id. */
    String submit(List<String> ids, List<ObjectNode> bodies);

    /** One status poll. */
    Poll poll(String batchId);

    /**
     * The outcome of every request the results hold, by custom id: only ids in {@code submitted} (others
     * are logged and ignored). A missing id is the caller's to record.
     */
    Map<String, Raw> results(String batchId, Poll ended, Set<String> submitted);

    /**
     * The status of a batch as of one poll.
     *
     * @param state  the provider's own status string
     * @param ended  whether no request will finish any more (results are final)
     * @param done   finished requests as the provider counts them
     * @param total  requests in the batch (0 while the provider does not say yet)
     * @param leftover what the requests without a result line became once ended ({@code EXPIRED},
     *                 {@code CANCELED}, {@code ERRORED} for a failed batch, else {@code MISSING})
     * @param raw    the status body (Gemini carries inline results in it)
     */
    record Poll(String state, boolean ended, int done, int total, BatchItem.Status leftover, JsonNode raw) {
    }

    /**
     * One result line: an answer body to decode with the model's codec, or a failure.
     *
     * @param status  succeeded, errored, canceled or expired
     * @param answer  the answer body when succeeded
     * @param error   the provider's message otherwise
     */
    record Raw(BatchItem.Status status, JsonNode answer, String error) {
    }

    /** A count field that may be a number or (Google's int64) a string; 0 when absent or unreadable. */
    static int count(JsonNode n) {
        if (n == null || n.isNull()) {
            return 0;
        }
        long v = n.isNumber() ? n.asLong() : n.isTextual() ? parse(n.asText()) : 0;
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, v));
    }

    private static long parse(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The message of an error object ({@code {message}}, {@code {error:{message}}}, nested once more), bounded. */
    static String message(JsonNode error) {
        if (error == null || error.isNull()) {
            return "no error detail";
        }
        JsonNode e = error;
        for (int i = 0; i < 3 && e.has("error") && e.get("error").isObject(); i++) {
            e = e.get("error");
        }
        String type = e.path("type").asText(e.path("code").asText(""));
        String msg = e.path("message").asText("");
        String out = (type.isEmpty() ? "" : type + ": ") + (msg.isEmpty() ? "no message" : msg);
        return out.length() > 500 ? out.substring(0, 500) + "..." : out;
    }
}
