package dev.fusion.cost;

import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceTest {

    private static BigDecimal usd(String s) {
        return new BigDecimal(s);
    }

    @Test
    void eachBucketIsPricedAtItsOwnRate() {
        Rates r = new Rates(usd("3"), usd("15"), usd("0.30"), usd("3.75"), usd("6"), usd("20"));
        Price p = Price.of(r);
        // 1M tokens in one bucket costs exactly the bucket's rate.
        assertThat(p.costOf(new Usage(1_000_000, 0, 0, 0, 0, 0))).isEqualByComparingTo("3");
        assertThat(p.costOf(new Usage(0, 1_000_000, 0, 0, 0, 0))).isEqualByComparingTo("0.30");
        assertThat(p.costOf(new Usage(0, 0, 1_000_000, 0, 0, 0))).isEqualByComparingTo("3.75");
        assertThat(p.costOf(new Usage(0, 0, 1_000_000, 1_000_000, 0, 0))).isEqualByComparingTo("6");
        assertThat(p.costOf(new Usage(0, 0, 0, 0, 1_000_000, 0))).isEqualByComparingTo("15");
        assertThat(p.costOf(new Usage(0, 0, 0, 0, 0, 1_000_000))).isEqualByComparingTo("20");
    }

    @Test
    void mixedUsageIsExactToTheLastDecimal() {
        Rates r = new Rates(usd("0.27"), usd("1.10"), usd("0.07"), usd("0.30"), null, null);
        // 1234 input, 567 cache read, 89 cache write, 321 output, 55 reasoning (reasoning defaults to output rate)
        Usage u = new Usage(1234, 567, 89, 0, 321, 55);
        BigDecimal expected = usd("0.27").multiply(usd("1234")).add(usd("0.07").multiply(usd("567")))
                .add(usd("0.30").multiply(usd("89"))).add(usd("1.10").multiply(usd("376")))
                .divide(usd("1000000"));
        assertThat(Price.of(r).costOf(u)).isEqualByComparingTo(expected).isEqualByComparingTo("0.00081317");
    }

    @Test
    void missingCacheAndReasoningRatesDefaultToInputAndOutput() {
        Price p = Price.of("2", "8");
        assertThat(p.costOf(new Usage(0, 1_000_000, 0, 0, 0, 0))).isEqualByComparingTo("2");
        assertThat(p.costOf(new Usage(0, 0, 1_000_000, 0, 0, 0))).isEqualByComparingTo("2");
        assertThat(p.costOf(new Usage(0, 0, 0, 0, 0, 1_000_000))).isEqualByComparingTo("8");
    }

    @Test
    void oneHourCacheWriteFallsBackToCacheWriteRate() {
        Price p = Price.of(Rates.of("3", "15").withCacheWrite("3.75"));
        assertThat(p.costOf(new Usage(0, 0, 1_000_000, 400_000, 0, 0))).isEqualByComparingTo("3.75");
    }

    @Test
    void longContextTierIsAllOrNothingAndHighestCrossedWins() {
        Price p = Price.of(Rates.of("1.25", "10").withCacheRead("0.125"))
                .withTier(200_000, Rates.of("2.50", "15").withCacheRead("0.25"))
                .withTier(1_000_000, Rates.of("5", "20"));
        // At the threshold: base rates (tier applies only above it).
        assertThat(p.costOf(new Usage(200_000, 0, 0, 0, 1000, 0)))
                .isEqualByComparingTo(usd("0.25").add(usd("0.01")));
        // One token over (counting cache reads): every bucket, output included, at tier rates.
        assertThat(p.costOf(new Usage(150_000, 50_001, 0, 0, 1000, 0)))
                .isEqualByComparingTo(usd("2.50").multiply(usd("0.15")).add(usd("0.25").multiply(usd("0.050001")))
                        .add(usd("0.015")));
        // Above the highest tier.
        assertThat(p.costOf(new Usage(1_000_001, 0, 0, 0, 0, 0))).isEqualByComparingTo("5.000005");
    }

    @Test
    void worstCaseUsesTheHighestInputAndOutputSideRates() {
        Price p = Price.of(new Rates(usd("1"), usd("4"), null, usd("1.25"), null, usd("6")));
        assertThat(p.worstCase(1_000_000, 1_000_000)).isEqualByComparingTo("7.25");
    }

    @Test
    void bookLoadsExactDecimalsWithSourceAndDateAndTakesOverrides() {
        String json = """
                {"asOf": "2026-11-01", "models": {
                  "acme:fast": {"input": 0.1, "output": 0.4, "cacheRead": "0.025", "source": "https://acme.example/pricing"},
                  "acme:big":  {"input": 3, "output": 15, "source": "https://acme.example/pricing", "asOf": "2026-11-20",
                                "tiers": [{"aboveInputTokens": 200000, "input": 6, "output": 22.5}]}
                }}""";
        PriceBook book = PriceBook.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        Price fast = book.find(ModelRef.parse("acme:fast")).orElseThrow();
        assertThat(fast.base().input()).isEqualTo(usd("0.1"));
        assertThat(fast.base().cacheRead()).isEqualTo(usd("0.025"));
        assertThat(fast.asOf()).hasToString("2026-11-01");
        assertThat(book.find(ModelRef.parse("acme:big")).orElseThrow().asOf()).hasToString("2026-11-20");
        assertThat(book.find(ModelRef.parse("acme:big")).orElseThrow().tiers()).hasSize(1);
        assertThat(book.find(ModelRef.parse("acme:unknown"))).isEmpty();

        PriceBook overridden = book.with(ModelRef.parse("acme:fast"), Price.of("1", "2"));
        assertThat(overridden.cost(ModelRef.parse("acme:fast"), Usage.of(1_000_000, 0), null).computedUsd())
                .isEqualByComparingTo("1");
        assertThat(book.cost(ModelRef.parse("acme:fast"), Usage.of(1_000_000, 0), null).computedUsd())
                .isEqualByComparingTo("0.1");
    }

    @Test
    void bookRejectsEntriesWithoutSource() {
        String json = "{\"models\": {\"acme:x\": {\"input\": 1, \"output\": 2}}}";
        assertThatThrownBy(() -> PriceBook.fromJson(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("acme:x").hasMessageContaining("source");
    }

    @Test
    void unpricedModelIsUnpricedNeverZero() {
        Cost c = PriceBook.empty().cost(ModelRef.parse("acme:x"), Usage.of(10, 10), null);
        assertThat(c.source()).isEqualTo(CostSource.UNPRICED);
        assertThat(c.usd()).isEmpty();
        assertThat(c.isPriced()).isFalse();

        Cost reported = PriceBook.empty().cost(ModelRef.parse("acme:x"), Usage.of(10, 10), usd("0.0042"));
        assertThat(reported.source()).isEqualTo(CostSource.PROVIDER_REPORTED);
        assertThat(reported.usd()).contains(usd("0.0042"));
    }

    @Test
    void reportedCostIsKeptBesideComputed() {
        PriceBook book = PriceBook.empty().with(ModelRef.parse("acme:x"), Price.of("1", "2"));
        Cost c = book.cost(ModelRef.parse("acme:x"), Usage.of(1_000_000, 0), usd("1.05"));
        assertThat(c.source()).isEqualTo(CostSource.COMPUTED);
        assertThat(c.computedUsd()).isEqualByComparingTo("1");
        assertThat(c.reportedUsd()).isEqualByComparingTo("1.05");
    }

    @Test
    void usageRejectsImpossibleCounts() {
        assertThatThrownBy(() -> new Usage(-1, 0, 0, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Usage(0, 0, 5, 6, 0, 0)).hasMessageContaining("cacheWrite1h");
        assertThat(new Usage(1, 2, 3, 1, 4, 5).promptTokens()).isEqualTo(6);
        assertThat(new Usage(1, 2, 3, 1, 4, 5).completionTokens()).isEqualTo(9);
        assertThat(List.of(Usage.of(1, 2), Usage.of(3, 4)).stream().reduce(Usage.ZERO, Usage::plus))
                .isEqualTo(Usage.of(4, 6));
    }
}
