package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.providers.internal.ObjectMappers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where a bundled price comes from and how far to trust it: the page its figures were read from, the
 * provider's own pricing page (where to verify or update it), the date it was read, and whether it was read
 * on a copy of the provider's page or on a secondary source that quotes it. Prices change without notice, so
 * a price read more than {@value #STALE_AFTER_DAYS} days ago is {@linkplain #isStale(Clock) stale}: check it
 * against {@link #vendorSource()} and override it (see {@code docs/prices.md}). Immutable, thread-safe.
 *
 * @param model        {@code provider:model}
 * @param source       the page the figures were read from
 * @param vendorSource the provider's own pricing page
 * @param readOn       the date the source was read
 * @param verification {@link #VENDOR_PAGE_COPY} or {@link #SECONDARY_SOURCE}
 */
public record PriceProvenance(String model, String source, String vendorSource, LocalDate readOn, String verification) {

    /** Prices read longer ago than this many days are flagged as stale. */
    public static final int STALE_AFTER_DAYS = 90;
    /** Read on a stored copy of the provider's own pricing page (not the live page). */
    public static final String VENDOR_PAGE_COPY = "vendor-page-copy";
    /** Read on a page that quotes or resells the provider's price; not checked against the provider's page. */
    public static final String SECONDARY_SOURCE = "secondary-source";

    public PriceProvenance {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(readOn, "readOn");
        verification = verification == null ? SECONDARY_SOURCE : verification;
    }

    /** Whole days from {@link #readOn()} to today on {@code clock} (negative for a date in the future). */
    public long ageDays(Clock clock) {
        return ChronoUnit.DAYS.between(readOn, LocalDate.now(clock));
    }

    /** True when the price was read more than {@value #STALE_AFTER_DAYS} days before today on {@code clock}. */
    public boolean isStale(Clock clock) {
        return ageDays(clock) > STALE_AFTER_DAYS;
    }

    /** True when the figures were read on (a copy of) the provider's own page. */
    public boolean fromVendorPage() {
        return VENDOR_PAGE_COPY.equals(verification);
    }

    private static final class Holder {
        static final Map<String, PriceProvenance> BUNDLED = read();
    }

    /** The provenance of every bundled price ({@link BundledPrices}), by {@code provider:model}, in book order. */
    public static Map<String, PriceProvenance> bundled() {
        return Holder.BUNDLED;
    }

    private static Map<String, PriceProvenance> read() {
        try (InputStream in = PriceProvenance.class.getClassLoader().getResourceAsStream(BundledPrices.RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled price book " + BundledPrices.RESOURCE + " is missing from the classpath");
            }
            JsonNode root = ObjectMappers.WIRE.readTree(in);
            LocalDate bookDate = LocalDate.parse(root.path("asOf").asText());
            Map<String, PriceProvenance> out = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.path("models").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode n = e.getValue();
                LocalDate read = n.hasNonNull("asOf") ? LocalDate.parse(n.get("asOf").asText()) : bookDate;
                out.put(e.getKey(), new PriceProvenance(e.getKey(), n.path("source").asText(),
                        n.path("vendorSource").asText(null), read, n.path("verification").asText(null)));
            }
            return Collections.unmodifiableMap(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled price book " + BundledPrices.RESOURCE, e);
        }
    }
}
