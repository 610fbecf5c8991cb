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
}
