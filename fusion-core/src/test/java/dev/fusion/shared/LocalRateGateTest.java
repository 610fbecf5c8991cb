package dev.fusion.shared;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The in-memory gate's tokens-per-minute bucket, in virtual time. */
class LocalRateGateTest {

    private final VirtualTimeScheduler vts = VirtualTimeScheduler.create();

    private LocalRateGate gate(ProviderLimit limit) {
        return new LocalRateGate(limit, vts, () -> vts.now(TimeUnit.NANOSECONDS));
    }

    private static AtomicReference<RateGate.Permit> take(Mono<RateGate.Permit> m) {
        AtomicReference<RateGate.Permit> got = new AtomicReference<>();
        m.subscribe(got::set);
        return got;
    }

    @Test
    void aCallWaitsUntilItsEstimateFitsTheMinutesTokens() {
        LocalRateGate g = gate(new ProviderLimit(0, 0, 250));
        var a = take(g.acquire(110));
        var b = take(g.acquire(110));
        var c = take(g.acquire(110));
        vts.advanceTime();
        assertThat(a.get()).isNotNull();
        assertThat(b.get()).isNotNull();
        assertThat(c.get()).as("220 + 110 > 250: waits").isNull();
        a.get().release(20); // the provider reported 20 tokens: 130 booked, 110 more fit
        vts.advanceTime();
        assertThat(c.get()).isNotNull();
        var d = take(g.acquire(110));
        vts.advanceTimeBy(Duration.ofSeconds(59));
        assertThat(d.get()).as("240 booked in this minute").isNull();
        vts.advanceTimeBy(Duration.ofSeconds(1));
        assertThat(d.get()).as("the first starts left the window").isNotNull();
    }

    @Test
    void anUnreportedUsageKeepsTheEstimateAndOneOversizedCallStillRunsAlone() {
        LocalRateGate g = gate(new ProviderLimit(0, 0, 100));
        var big = take(g.acquire(500));
        vts.advanceTime();
        assertThat(big.get()).as("larger than the limit, but the window is empty").isNotNull();
        var next = take(g.acquire(1));
        big.get().release(-1);
        vts.advanceTime();
        assertThat(next.get()).as("the estimate stays booked when usage is unknown").isNull();
        vts.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(next.get()).isNotNull();
    }

    @Test
    void concurrencyAndRequestsPerMinuteStillHold() {
        LocalRateGate g = gate(new ProviderLimit(1, 2, 0));
        var a = take(g.acquire(0));
        var b = take(g.acquire(0));
        vts.advanceTime();
        assertThat(a.get()).isNotNull();
        assertThat(b.get()).isNull();
        a.get().release(-1);
        vts.advanceTime();
        assertThat(b.get()).isNotNull();
        b.get().release(-1);
        var c = take(g.acquire(0));
        vts.advanceTime();
        assertThat(c.get()).as("two starts this minute").isNull();
        vts.advanceTimeBy(Duration.ofMinutes(1));
        assertThat(c.get()).isNotNull();
        assertThat(g.inFlight()).isEqualTo(1);
    }
}
