package dev.fusion.cli.batch;

import dev.fusion.cli.tune.AnswerStore;
import dev.fusion.cli.tune.MissResolver;
import dev.fusion.cli.tune.PendingCall;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code fusion tune --batch} {@link MissResolver}: the misses of a pass are grouped by model and each
 * group is sent as one batch ({@link BatchCalls}: resumable state files, progress bar); every result is
 * stored in the answer store at batch prices with {@code batch = true}; an item that errored, expired or
 * never came back is stored as a failure (recorded, not lost, and not paid again). A model without a batch
 * API is called directly and stored at its standard price ({@code batch = false}). One thread at a time.
 */
public final class BatchResolver implements MissResolver {

    private final BatchCalls calls;

    public BatchResolver(BatchCalls calls) {
        this.calls = calls;
    }

    @Override
    public void resolve(List<PendingCall> misses, AnswerStore store) throws InterruptedException {
        Map<String, PendingCall> byKey = new LinkedHashMap<>();
        List<BatchCalls.Pending> pending = new ArrayList<>();
        for (PendingCall p : misses) {
            if (byKey.putIfAbsent(p.key(), p) == null) {
                pending.add(new BatchCalls.Pending(p.key(), p.model(), p.request()));
            }
        }
        Map<String, BatchCalls.Outcome> out = calls.resolve(pending);
        for (PendingCall p : byKey.values()) {
            BatchCalls.Outcome o = out.get(p.key());
            if (o == null) {
                continue; // asked again next pass
            }
            if (o.ok()) {
                store.putAnswer(p, o.response(), o.response().usageReported() ? o.cost().usd().orElse(null) : null,
                        o.latencyMs(), o.batch());
            } else {
                store.putFailure(p, o.error(), null, o.latencyMs(), o.batch());
            }
        }
    }
}
