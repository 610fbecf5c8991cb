package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: panel calls are streamed by default, so a cancelled call closes its stream (which stops
 * generation on real servers); the record carries the same figures either way.
 */
class PanelStreamingDefaultTest {

    /** Counts which entry point the engine used. */
    static class Probe implements ChatModel {
        final ModelRef ref;
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger streams = new AtomicInteger();

        Probe(String ref) {
            this.ref = ModelRef.parse(ref);
        }

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            calls.incrementAndGet();
            return Mono.just(ModelResponse.of("an answer", Usage.of(100, 50)));
        }

        @Override
        public Flux<ModelStreamEvent> stream(ModelRequest request) {
            streams.incrementAndGet();
            ModelResponse r = ModelResponse.of("an answer", Usage.of(100, 50));
            return Flux.just(new ModelStreamEvent.TextDelta("an "), new ModelStreamEvent.TextDelta("answer"),
                    new ModelStreamEvent.Completed(r));
        }

        @Override
        public boolean streamsNatively() {
            return true;
        }
    }

    private static FusionResult ask(Probe panel, Boolean streaming) {
        Fusion.Builder b = Fusion.builder().panel(panel).judge(FakeModel.instant("p:j", "m"))
                .price("p:a", Price.of("1", "2")).price("p:j", Price.of("1", "2"));
        if (streaming != null) {
            b.panelStreaming(streaming);
        }
        return b.build().ask("q");
    }

    @Test
    void panelCallsStreamByDefault() {
        Probe p = new Probe("p:a");
        FusionResult r = ask(p, null);
        assertThat(p.streams.get()).isEqualTo(1);
        assertThat(p.calls.get()).isZero();
        assertThat(r.panel().get(0).timeToFirstToken()).isNotNull();
    }

    @Test
    void nonStreamedPanelCallsRemainAvailableWithTheSameRecord() {
        Probe streamed = new Probe("p:a");
        Probe plain = new Probe("p:a");
        CallRecord s = ask(streamed, null).panel().get(0);
        CallRecord n = ask(plain, false).panel().get(0);
        assertThat(plain.calls.get()).isEqualTo(1);
        assertThat(plain.streams.get()).isZero();
        assertThat(n.text()).isEqualTo(s.text());
        assertThat(n.usage()).isEqualTo(s.usage());
        assertThat(n.cost()).isEqualTo(s.cost());
        assertThat(n.usageQuality()).isEqualTo(s.usageQuality());
        assertThat(n.finishReason()).isEqualTo(s.finishReason());
        assertThat(n.status()).isEqualTo(s.status());
    }

    @Test
    void aStragglerCancelledByTheGraceHasItsStreamCancelled() {
        reactor.core.publisher.Sinks.One<ModelResponse> release = reactor.core.publisher.Sinks.one();
        AtomicInteger cancelled = new AtomicInteger();
        Probe slow = new Probe("p:b") {
            @Override
            public Flux<ModelStreamEvent> stream(ModelRequest request) {
                streams.incrementAndGet();
                // Subscribed: now let the fast member answer, which ends the grace at once.
                return Flux.<ModelStreamEvent>never().doOnSubscribe(s -> release.tryEmitValue(
                        ModelResponse.of("a", Usage.of(10, 10)))).doOnCancel(cancelled::incrementAndGet);
            }
        };
        FakeModel fast = FakeModel.scripted("p:a", n -> release.asMono());
        FusionResult r = Fusion.builder().panel(fast, slow).judge(FakeModel.instant("p:j", "m"))
                .quorum(1).grace(java.time.Duration.ZERO).build().ask("q");
        assertThat(r.panel().get(1).status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(slow.streams.get()).isEqualTo(1);
        assertThat(slow.calls.get()).isZero();
        assertThat(cancelled.get()).as("the stream itself was cancelled").isEqualTo(1);
    }
}
