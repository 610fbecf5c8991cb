package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 13 item 7: a judge that fails after streaming part of its text says so before the replacement. */
class JudgeTextDiscardedTest {

    /** A judge that streams two pieces of text, then fails with a provider error. */
    private static final class FailsMidStream implements ChatModel {
        private final ModelRef ref = ModelRef.parse("p:judge");

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            return Mono.error(new IllegalStateException("only streamed in these tests"));
        }

        @Override
        public Flux<ModelStreamEvent> stream(ModelRequest request) {
            return Flux.<ModelStreamEvent>just(new ModelStreamEvent.TextDelta("partial "), new ModelStreamEvent.TextDelta("draft"))
                    .concatWith(Flux.error(ProviderException.transport("connection reset mid-stream", null)));
        }

        @Override
        public boolean streamsNatively() {
            return true;
        }
    }

    private static final int DISCARDED = "partial draft".length();

    @Test
    void aFallbackJudgeStartsOnlyAfterTheFailedJudgesTextIsDiscarded() {
        FakeModel backup = FakeModel.replying("p:backup", r -> "the backup answer");
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "alpha"), FakeModel.instant("p:b", "beta"))
                .judge(new FailsMidStream()).fallbackJudge(backup).build();

        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();

        assertThat(events).isNotNull();
        int failed = indexOf(events, FusionEvent.JudgeFailed.class, 0);
        assertThat(failed).isPositive();
        FusionEvent.JudgeFailed jf = (FusionEvent.JudgeFailed) events.get(failed);
        assertThat(jf.record().model()).isEqualTo(ModelRef.parse("p:judge"));
        // Directly after JudgeFailed, before the fallback's JudgeStarted.
        assertThat(events.get(failed + 1)).isEqualTo(new FusionEvent.JudgeTextDiscarded(jf.record().memberId(), DISCARDED));
        assertThat(events.get(failed + 2)).isInstanceOf(FusionEvent.JudgeStarted.class);
        assertThat(((FusionEvent.JudgeStarted) events.get(failed + 2)).model()).isEqualTo(backup.ref());
        // The deltas before the discard are the failed judge's; those after it are the answer.
        StringBuilder before = new StringBuilder();
        StringBuilder after = new StringBuilder();
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof FusionEvent.JudgeDelta d) {
                (i < failed ? before : after).append(d.text());
            }
        }
        assertThat(before).hasToString("partial draft");
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(after).hasToString(r.answer()).hasToString("the backup answer");
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeTextDiscarded).hasSize(1);
    }

    @Test
    void theBestAnswerDegradationComesAfterTheDiscard() {
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "alpha"), FakeModel.instant("p:b", "alpha"))
                .judge(new FailsMidStream()).onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build();

        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();

        assertThat(events).isNotNull();
        int failed = indexOf(events, FusionEvent.JudgeFailed.class, 0);
        assertThat(events.get(failed + 1)).isInstanceOf(FusionEvent.JudgeTextDiscarded.class)
                .extracting(e -> ((FusionEvent.JudgeTextDiscarded) e).chars()).isEqualTo(DISCARDED);
        assertThat(events.get(failed + 2)).isInstanceOf(FusionEvent.Completed.class);
        FusionResult r = ((FusionEvent.Completed) events.get(failed + 2)).result();
        assertThat(r.judged()).isFalse();
        assertThat(r.answer()).isEqualTo("alpha");
    }

    @Test
    void aJudgeThatFailsBeforeStreamingAnythingHasNothingToDiscard() {
        FakeModel broken = FakeModel.failing("p:broken", ProviderException.http(400, "x", null, "bad request", null));
        Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "alpha"))
                .judge(broken).fallbackJudge(FakeModel.replying("p:backup", r -> "ok")).build();

        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();

        assertThat(events).isNotNull().noneMatch(e -> e instanceof FusionEvent.JudgeTextDiscarded);
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.JudgeFailed).hasSize(1);
    }

    @Test
    void aDiscardNamesAJudgeAndAPositiveLength() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FusionEvent.JudgeTextDiscarded("j", 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new FusionEvent.JudgeTextDiscarded(null, 3))
                .isInstanceOf(NullPointerException.class);
    }

    private static int indexOf(List<FusionEvent> events, Class<?> type, int from) {
        for (int i = from; i < events.size(); i++) {
            if (type.isInstance(events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
