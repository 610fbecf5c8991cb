package dev.fusion.cli.tune;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one caching layer every call of {@code fusion tune} goes through (members, judges, graders):
 * {@link #wrap} decorates a {@link ChatModel} so that a call is answered from the {@link AnswerStore}
 * by its content address ({@link CallKeys}); a call with no stored answer is recorded as a
 * {@link PendingCall} of the current pass and fails with {@link AnswerPendingException} instead of
 * being sent. {@link #runPasses} repeats a pass until it has no miss, handing each pass's misses to
 * the {@link MissResolver} (live or batch). Thread-safe.
 */
public final class CachedModels {

    private final AnswerStore store;
    private final Map<String, PendingCall> misses = new ConcurrentHashMap<>();
    private final Map<CallKind, java.util.concurrent.atomic.AtomicLong> hits = new ConcurrentHashMap<>();

    public CachedModels(AnswerStore store) {
        this.store = store;
    }

    public AnswerStore store() {
        return store;
    }

    /** {@code model} answered from the cache; every call's outcome (or miss) goes to {@code trace} too. */
    public ChatModel wrap(ChatModel model, CallKind kind, CallTrace trace) {
        return new Cached(model, kind, trace);
    }

    /** The misses recorded since the last {@link #drainMisses}, members first, then judges, then graders. */
    public List<PendingCall> drainMisses() {
        List<PendingCall> out = new ArrayList<>(misses.values());
        out.forEach(p -> misses.remove(p.key()));
        out.sort(java.util.Comparator.comparing(PendingCall::kind).thenComparing(PendingCall::key));
        return out;
    }

    /** Answers served from the store so far, of this kind. */
    public long hits(CallKind kind) {
        java.util.concurrent.atomic.AtomicLong n = hits.get(kind);
        return n == null ? 0 : n.get();
    }

    /**
     * Runs {@code pass} until a pass records no miss: after each pass with misses, {@code resolver}
     * gets them all and stores their outcomes. {@code pass} must redo every ask whose result is not
     * final yet (whose {@link CallTrace#hasMiss()} was true).
     *
     * @param filter only misses it accepts are resolved (the others are dropped: the member phase resolves only members)
     * @return how many passes ran
     * @throws IllegalStateException when a resolver stored nothing for a whole pass (it would loop forever)
     */
    public int runPasses(Runnable pass, MissResolver resolver, java.util.function.Predicate<PendingCall> filter)
            throws InterruptedException {
        int passes = 0;
        while (true) {
            passes++;
            pass.run();
            List<PendingCall> pending = drainMisses().stream().filter(filter).toList();
            if (pending.isEmpty()) {
                return passes;
            }
            resolver.resolve(pending, store);
            if (pending.stream().noneMatch(p -> store.find(p.key()).isPresent())) {
                throw new IllegalStateException("the resolver stored no outcome for any of " + pending.size()
                        + " pending calls; stopping instead of asking again");
            }
        }
    }

    private final class Cached implements ChatModel {
        private final ChatModel real;
        private final CallKind kind;
        private final CallTrace trace;

        Cached(ChatModel real, CallKind kind, CallTrace trace) {
            this.real = real;
            this.kind = kind;
            this.trace = trace;
        }

        @Override
        public ModelRef ref() {
            return real.ref();
        }

        @Override
        public void validate(ModelRequest request) {
            real.validate(request);
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            return Mono.defer(() -> {
                String key = CallKeys.key(real.ref(), request);
                CachedAnswer a = store.find(key).orElse(null);
                if (a == null) {
                    misses.putIfAbsent(key, new PendingCall(key, real, request, kind));
                    trace.missed(kind);
                    return Mono.error(new AnswerPendingException(key));
                }
                hits.computeIfAbsent(kind, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
                trace.used(a);
                if (!a.ok()) {
                    return Mono.error(new ProviderException(ProviderException.Kind.IN_BAND_ERROR, -1,
                            "replayed_failure", null, false, null, null, "replayed failure: " + a.error(), null));
                }
                ModelResponse r = a.usageReported()
                        ? new ModelResponse(a.text(), a.usage(), null, a.finishReason(), null, true)
                        : ModelResponse.withUnknownUsage(a.text(), null, a.finishReason(), null);
                return Mono.just(r);
            });
        }
    }
}
