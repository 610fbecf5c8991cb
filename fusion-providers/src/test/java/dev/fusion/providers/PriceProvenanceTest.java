package dev.fusion.providers;

import dev.fusion.cost.Price;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every bundled price says where it was read, on what date, where to verify it, and how far to trust it. */
class PriceProvenanceTest {

    static Clock on(String date) {
        return Clock.fixed(Instant.parse(date + "T12:00:00Z"), ZoneOffset.UTC);
    }

    @Test
    void everyBundledPriceCarriesItsSourceVendorPageDateAndVerification() {
        Map<String, PriceProvenance> all = PriceProvenance.bundled();
        Map<String, Price> book = BundledPrices.load().entries();
        assertThat(all.keySet()).containsExactlyElementsOf(book.keySet());
        all.forEach((model, p) -> {
            assertThat(p.source()).as(model).startsWith("https://");
            assertThat(p.vendorSource()).as(model).startsWith("https://");
            assertThat(p.verification()).as(model).isIn(PriceProvenance.VENDOR_PAGE_COPY, PriceProvenance.SECONDARY_SOURCE);
            assertThat(p.readOn()).as(model).isEqualTo(book.get(model).asOf());
            // a price read on the vendor's page names that page's host as its source
            if (p.fromVendorPage()) {
                assertThat(p.source()).as(model).doesNotContain("github.com", "apiyi", "morphllm", "dev.to");
            }
        });
        assertThat(all.values()).anyMatch(p -> !p.fromVendorPage()).anyMatch(PriceProvenance::fromVendorPage);
    }

    @Test
    void aPriceReadMoreThanNinetyDaysAgoIsStale() {
        PriceProvenance p = new PriceProvenance("openai:x", "https://example.com/p", "https://example.com/v",
                LocalDate.parse("2026-06-30"), PriceProvenance.SECONDARY_SOURCE);
        assertThat(p.isStale(on("2026-09-28"))).as("90 days").isFalse();
        assertThat(p.isStale(on("2026-09-29"))).as("91 days").isTrue();
        assertThat(p.ageDays(on("2026-12-07"))).isEqualTo(160);
        assertThat(p.isStale(on("2026-07-01"))).isFalse();
        // the bundled book on a given day: some entries are stale, the newest are not
        Clock day = on("2026-12-07");
        assertThat(PriceProvenance.bundled().values()).anyMatch(x -> x.isStale(day)).anyMatch(x -> !x.isStale(day));
    }
}
