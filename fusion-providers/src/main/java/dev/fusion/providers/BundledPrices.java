package dev.fusion.providers;

import dev.fusion.cost.PriceBook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The price book bundled with Fusion: classpath resource {@value #RESOURCE}, in the
 * {@link PriceBook} JSON format, with a {@code source} URL and an {@code asOf} date for every entry.
 * Prices change: check {@link PriceBook#asOf()} and override stale entries in code or config. Loaded
 * once; the returned book is immutable and thread-safe.
 */
public final class BundledPrices {

    public static final String RESOURCE = "dev/fusion/providers/prices.json";

    private static final class Holder {
        static final PriceBook BOOK = read();
    }

    private BundledPrices() {
    }

    /** The bundled book. */
    public static PriceBook load() {
        return Holder.BOOK;
    }

    private static PriceBook read() {
        try (InputStream in = BundledPrices.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled price book " + RESOURCE + " is missing from the classpath");
            }
            return PriceBook.fromJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled price book " + RESOURCE, e);
        }
    }
}
