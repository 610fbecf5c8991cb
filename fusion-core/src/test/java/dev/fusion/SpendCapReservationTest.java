package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.shared.ProviderLimit;
import dev.fusion.shared.RateGate;
import dev.fusion.shared.ReserveOutcome;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SpendAccount;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An ask under a spend cap reserves its worst case planned against the whole cap in one step, and
 * reads what is left (re-planning against it, as before) only when that does not fit. The account
 * here is the in-memory one behind a counter and uses {@link SpendAccount#reserveOrRemaining}'s
 * default (reserve, then read what is left when refused).
 */
class SpendCapReservationTest {

    /** Counts the account's operations; everything else is the in-memory default. */
    static final class Counting implements SharedState {
        final SharedState local = SharedState.local();
        final AtomicInteger reads = new AtomicInteger();
        final AtomicInteger reserves = new AtomicInteger();
        SpendAccount account;

        @Override
        public String describe() {
            return "counting";
        }

        @Override
        public SpendAccount spendAccount(BigDecimal capUsd, Duration window, Clock clock) {
            SpendAccount a = local.spendAccount(capUsd, window, clock);
            account = new SpendAccount() {
                @Override
                public Mono<BigDecimal> remainingUsd() {
                    reads.incrementAndGet();
                    return a.remainingUsd();
                }

                @Override
                public Mono<Boolean> reserve(BigDecimal usd) {
                    reserves.incrementAndGet();
                    return a.reserve(usd);
                }

                @Override
                public void settle(BigDecimal reservedUsd, BigDecimal actualUsd) {
                    a.settle(reservedUsd, actualUsd);
                }

                @Override
                public BigDecimal spentUsd() {
                    return a.spentUsd();
                }
            };
            return account;
        }

        @Override
        public RateGate rateGate(String provider, ProviderLimit limit) {
            return local.rateGate(provider, limit);
        }

        @Override
        public void close() {
        }
    }

    private static Fusion fusion(Counting state, FakeModel cheap, FakeModel pricey) {
        return Fusion.builder().panel(cheap, pricey).judge(FakeModel.instant("p:judge", "m"))
                .maxOutputTokens(1000).judgeMaxOutputTokens(1000)
                .price("p:cheap", Price.of("0.1", "0.4")).price("p:pricey", Price.of("15", "600"))
                .price("p:judge", Price.of("1", "2")).spendCapUsd(new BigDecimal("1"), Duration.ofDays(1))
                .sharedState(state).build();
    }

    @Test
    void anAskThatFitsReservesInOneStepWithoutReadingTheCap() {
        Counting state = new Counting();
        FakeModel cheap = FakeModel.instant("p:cheap", "a");
        FakeModel pricey = FakeModel.instant("p:pricey", "b");
        FusionResult r = fusion(state, cheap, pricey).ask("q");
        assertThat(r.panel()).allMatch(c -> c.status() == CallStatus.OK);
        assertThat(state.reserves.get()).as("one reservation").isEqualTo(1);
        assertThat(state.reads.get()).as("the cap is not read first").isZero();
        assertThat(r.notes()).noneMatch(n -> n.contains("skipped"));
    }

    @Test
    void anAskThatDoesNotFitReplansAgainstWhatIsLeftAndSkipsTheMemberThatNoLongerFits() {
        Counting state = new Counting();
        FakeModel cheap = FakeModel.instant("p:cheap", "a");
        FakeModel pricey = FakeModel.instant("p:pricey", "b");
        Fusion f = fusion(state, cheap, pricey);
        assertThat(state.account.reserve(new BigDecimal("0.6")).block()).isTrue(); // another ask holds $0.6
        state.reserves.set(0);
        FusionResult r = f.ask("q");
        assertThat(r.panel().get(0).status()).isEqualTo(CallStatus.OK);
        assertThat(r.panel().get(1).status()).isEqualTo(CallStatus.SKIPPED);
        assertThat(r.panel().get(1).error().message()).contains("spend cap (left: $0.4)");
        assertThat(pricey.calls.get()).isZero();
        assertThat(state.reserves.get()).as("the whole plan, refused, then the smaller one").isEqualTo(2);
        assertThat(state.reads.get()).as("what is left is read once, after the refusal").isEqualTo(1);
    }

    @Test
    void anAskThatFitsNothingFailsTypedBeforeAnyCall() {
        Counting state = new Counting();
        FakeModel cheap = FakeModel.instant("p:cheap", "a");
        FakeModel pricey = FakeModel.instant("p:pricey", "b");
        Fusion f = fusion(state, cheap, pricey);
        assertThat(state.account.reserve(new BigDecimal("0.9999")).block()).isTrue();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOf(BudgetExceededException.class)
                .hasMessageContaining("spend cap (left: $0.0001)");
        assertThat(cheap.calls.get() + pricey.calls.get()).isZero();
    }

    @Test
    void theDefaultReserveOrRemainingReportsWhatIsLeft() {
        SpendAccount a = SharedState.local().spendAccount(new BigDecimal("1"), null, Clock.systemUTC());
        assertThat(a.reserveOrRemaining(new BigDecimal("0.75")).block()).isEqualTo(ReserveOutcome.reserved());
        ReserveOutcome refused = a.reserveOrRemaining(new BigDecimal("0.5")).block();
        assertThat(refused.granted()).isFalse();
        assertThat(refused.remainingUsd()).isEqualByComparingTo("0.25");
        SpendAccount uncapped = SharedState.local().spendAccount(null, null, Clock.systemUTC());
        assertThat(uncapped.reserveOrRemaining(new BigDecimal("1000")).block()).isEqualTo(ReserveOutcome.reserved());
    }
}
