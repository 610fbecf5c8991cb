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
        Price p = BundledPrices.load().find(ModelRef.parse("anthropic:claude-opus-4-1")).orElseThrow();
        assertThat(p.base().cacheWrite()).isEqualByComparingTo("18.75");
        assertThat(p.base().cacheRead()).isEqualByComparingTo("1.50");
        Price ds = BundledPrices.load().find(ModelRef.parse("deepseek:deepseek-chat")).orElseThrow();
        assertThat(ds.base().input()).isEqualByComparingTo("0.27");
        assertThat(ds.base().output()).isEqualByComparingTo("1.10");
        // 1M uncached + 1M cached input + 1M output = 0.27 + 0.07 + 1.10 exactly.
        assertThat(ds.costOf(new Usage(1_000_000, 1_000_000, 0, 0, 1_000_000, 0)))
                .isEqualByComparingTo(new BigDecimal("1.44"));
    }

    @Test
    void loadIsCached() {
        assertThat(BundledPrices.load()).isSameAs(BundledPrices.load());
    }
}
