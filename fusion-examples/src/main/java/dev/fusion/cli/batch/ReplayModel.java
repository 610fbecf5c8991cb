package dev.fusion.cli.batch;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import reactor.core.publisher.Mono;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A model that answers from answers a batch already produced, keyed by {@link BatchCalls#key}: a call it
 * has no answer for is recorded as pending and fails at once (not retryable, no network), so an unchanged
 * fusion can run in passes — run, batch what was missing, run again — until nothing is missing. A call whose
 * batch item failed fails the same way every time (the failure the provider reported). Thread-safe.
 */
public final class ReplayModel implements ChatModel {

    /** What a replayed call needs: answers known so far and where misses go. */
    public static final class Answers {
        final Map<String, BatchCalls.Outcome> known = new ConcurrentHashMap<>();
        final Map<String, BatchCalls.Pending> missing = new ConcurrentHashMap<>();

        public void addAll(Map<String, BatchCalls.Outcome> outcomes) {
            known.putAll(outcomes);
        }

        /** The calls missed since the last {@link #takeMissing()}, and forgets them. */
        public java.util.List<BatchCalls.Pending> takeMissing() {
            java.util.List<BatchCalls.Pending> out = new java.util.ArrayList<>(missing.values());
            out.forEach(p -> missing.remove(p.key()));
            return out;
        }

        public int missingCount() {
            return missing.size();
        }
    }

    private final ChatModel inner;
    private final Answers answers;

    public ReplayModel(ChatModel inner, Answers answers) {
        this.inner = inner;
        this.answers = answers;
    }

    @Override
    public ModelRef ref() {
        return inner.ref();
    }

    @Override
    public void validate(ModelRequest request) {
        inner.validate(request);
    }

    @Override
    public Mono<ModelResponse> call(ModelRequest request) {
        return Mono.defer(() -> {
            String key = BatchCalls.key(inner, request);
            BatchCalls.Outcome o = answers.known.get(key);
            if (o != null && o.ok()) {
                return Mono.just(o.response());
            }
            if (o != null) {
                return Mono.error(new ProviderException(ProviderException.Kind.IN_BAND_ERROR, -1, "batch_item_failed",
                        null, false, null, null, "the batch did not answer this call: " + o.error() + " [" + ref() + "]",
                        null));
            }
            answers.missing.putIfAbsent(key, new BatchCalls.Pending(key, inner, request));
            return Mono.error(new ProviderException(ProviderException.Kind.IN_BAND_ERROR, -1, "batch_pending", null,
                    false, null, null, "answer pending in a batch [" + ref() + "]", null));
        });
    }

    @Override
    public String toString() {
        return "ReplayModel[" + inner.ref() + "]";
    }
}
