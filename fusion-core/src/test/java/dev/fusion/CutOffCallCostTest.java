package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.cost.Usage;
import dev.fusion.internal.CutOffTokens;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a call cut off after its request was sent (grace, timeout, deadline, cancel) is costed
 * at an estimated lower bound (prompt plus the text streamed so far), marked as an estimate, makes
 * the result incompletely costed, and a budgeted ask keeps its reservation for it.
 */
class CutOffCallCostTest {

    private static final Price PRICE = Price.of("1", "2");
    private static final String STREAMED = "The first words of a long answer that was never finished";

    @BeforeAll
    static void tokenizer() {
        CutOffTokens.loadNow(); // exact counts below
    }

    /** Streams {@link #STREAMED}, then hangs until cancelled; its delta lets {@code release} answer. */
    private static ChatModel streamsThenHangs(String ref, Sinks.One<ModelResponse> release) {
        ModelRef mr = ModelRef.parse(ref);
        return new ChatModel() {
            @Override
            public ModelRef ref() {
                return mr;
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                return Mono.never();
            }

            @Override
            public Flux<ModelStreamEvent> stream(ModelRequest request) {
                return Flux.<ModelStreamEvent>just(new ModelStreamEvent.TextDelta(STREAMED))
                        .doOnComplete(() -> Schedulers.single().schedule(
                                () -> release.tryEmitValue(ModelResponse.of("fast", Usage.of(100, 50)))))
                        .concatWith(Flux.never());
            }
        };
    }

    @Test
    void aStreamCutByTheGraceIsCostedAtItsStreamedTokensAndKeepsItsReservation() {
        Sinks.One<ModelResponse> release = Sinks.one();
        FakeModel fast = FakeModel.scripted("p:a", n -> release.asMono());
        int maxOut = 400;
        Fusion f = Fusion.builder().panel(fast, streamsThenHangs("p:b", release)).judge(FakeModel.instant("p:j", "m"))
                .price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE).quorum(1).grace(Duration.ZERO)
                .maxOutputTokens(maxOut).budgetUsd(new BigDecimal("1")).spendCapUsd(new BigDecimal("10"), null).build();
        FusionResult r = f.ask("q");
        CallRecord b = r.panel().get(1);
        assertThat(b.status()).isEqualTo(CallStatus.CANCELLED);
        assertThat(b.usageQuality()).isEqualTo(UsageQuality.ESTIMATED);
        TokenEstimator exact = new TokenEstimator.Default(1.0, 0);
        Usage expected = Usage.of(exact.estimate(b.model(), "q\n"), exact.estimate(b.model(), STREAMED));
        assertThat(b.usage()).isEqualTo(expected);
        assertThat(b.usage().output()).isPositive();
        assertThat(b.cost().usd()).contains(PRICE.costOf(expected));
        assertThat(r.costComplete()).isFalse();
        assertThat(r.incompletelyCosted()).containsExactly(b);
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("cost incomplete", "p:b (cancelled, answer)"));
        // The spend cap keeps p:b's reservation (its worst case), not the lower bound.
        BigDecimal reservedForB = PRICE.worstCase(
                TokenEstimator.defaultEstimator().estimate(ModelRef.parse("p:b"), "q\n"), maxOut);
        BigDecimal known = PRICE.costOf(Usage.of(100, 50)).multiply(BigDecimal.valueOf(2));
        assertThat(reservedForB).isGreaterThan(PRICE.costOf(expected));
        assertThat(f.spentUsd()).isEqualByComparingTo(known.add(reservedForB));
    }

    @Test
    void aNonStreamedCallThatTimesOutIsCostedAtItsPrompt() {
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.never("p:b"))
                .judge(FakeModel.instant("p:j", "m")).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .panelStreaming(false).memberTimeout(Duration.ofMillis(50)).build().ask("q");
        CallRecord b = r.panel().get(1);
        assertThat(b.status()).isEqualTo(CallStatus.TIMEOUT);
        assertThat(b.usageQuality()).isEqualTo(UsageQuality.ESTIMATED);
        assertThat(b.usage().input()).isEqualTo(new TokenEstimator.Default(1.0, 0).estimate(b.model(), "q\n"));
        assertThat(b.usage().output()).isZero();
        assertThat(b.cost().usd().orElseThrow()).isPositive();
        assertThat(r.costComplete()).isFalse();
    }

    @Test
    void aCallNeverSentCostsNothingAndStaysComplete() {
        // A failure answered by the server (nothing generated) is not an estimate.
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a"),
                        FakeModel.failing("p:b", dev.fusion.model.ProviderException.http(400, "bad", null, "bad", null)))
                .judge(FakeModel.instant("p:j", "m")).price("p:a", PRICE).price("p:b", PRICE).price("p:j", PRICE)
                .quorum(1).build().ask("q");
        assertThat(r.panel().get(1).usageQuality()).isEqualTo(UsageQuality.REPORTED);
        assertThat(r.costComplete()).isTrue();
    }
}
