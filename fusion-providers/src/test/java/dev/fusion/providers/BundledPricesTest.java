package dev.fusion.providers;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;

class BundledPricesTest {

    @Test
    void everyEntryHasASourceUrlAndADate() {
        PriceBook book = BundledPrices.load();
        assertThat(book.entries()).isNotEmpty();
        assertThat(book.asOf()).isNotNull();
        book.entries().forEach((model, price) -> {
            assertThat(price.source()).as(model).startsWith("https://");
            assertThat(price.asOf()).as(model).isNotNull();
            assertThat(ModelRef.parse(model).provider()).isNotBlank();
        });
    }

    @Test
    void ratesParseExactly() {
        // Figures as on the cited pages (see fusion-providers/PRICES.md).
        Price p = BundledPrices.load().find(ModelRef.parse("anthropic:claude-opus-4-8")).orElseThrow();
        assertThat(p.base().input()).isEqualByComparingTo("5");
        assertThat(p.base().cacheWrite()).isEqualByComparingTo("6.25");
        assertThat(p.base().cacheWrite1h()).isEqualByComparingTo("10");
        assertThat(p.base().cacheRead()).isEqualByComparingTo("0.5");
        Price ds = BundledPrices.load().find(ModelRef.parse("deepseek:deepseek-v4-pro")).orElseThrow();
        // 1M uncached + 1M cached input + 1M output = 1.32 + 0.044 + 3.96 exactly.
        assertThat(ds.costOf(new Usage(1_000_000, 1_000_000, 0, 0, 1_000_000, 0)))
                .isEqualByComparingTo(new BigDecimal("5.324"));
    }

    @Test
    void longContextTiersLoad() {
        Price pro = BundledPrices.load().find(ModelRef.parse("gemini:gemini-2.5-pro")).orElseThrow();
        assertThat(pro.tiers()).singleElement().satisfies(t -> assertThat(t.aboveInputTokens()).isEqualTo(200_000));
        // 200,001 prompt tokens: the whole call at the >200k rates (2.50 in, 15 out).
        assertThat(pro.costOf(Usage.of(200_001, 1_000))).isEqualByComparingTo(new BigDecimal("0.5150025"));
    }

    @Test
    void loadIsCached() {
        assertThat(BundledPrices.load()).isSameAs(BundledPrices.load());
    }

    @Test
    void batchPricesAreHalfTheStandardRatesForTheThreeBatchApisOnlyAndSourced() {
        PriceBook book = BundledPrices.load();
        Usage usage = new Usage(300_000, 1_000, 0, 0, 2_000, 0);
        int batchPriced = 0;
        for (String key : book.entries().keySet()) {
            ModelRef ref = ModelRef.parse(key);
            boolean batchApi = key.startsWith("openai:") || key.startsWith("anthropic:") || key.startsWith("gemini:");
            assertThat(book.findBatch(ref).isPresent()).as(key).isEqualTo(batchApi);
            if (!batchApi) {
                assertThat(book.batchCost(ref, usage).isPriced()).as(key).isFalse();
                continue;
            }
            Price batch = book.findBatch(ref).orElseThrow();
            assertThat(batch.source()).as(key).startsWith("https://");
            assertThat(batch.asOf()).as(key).isNotNull();
            // a long prompt crosses any long-context tier: the batch tier is half the standard tier too
            BigDecimal standard = book.cost(ref, usage, null).computedUsd();
            assertThat(book.batchCost(ref, usage).computedUsd().multiply(BigDecimal.valueOf(2)))
                    .as(key).isEqualByComparingTo(standard);
            batchPriced++;
        }
        assertThat(batchPriced).isGreaterThan(30);
    }
}
