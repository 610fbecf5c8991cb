package dev.fusion.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.internal.ObjectMappers;
import dev.fusion.model.ModelRef;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Prices by model ({@code provider:model}). Immutable and thread-safe: {@link #with} returns a
 * new book.
 *
 * <h2>JSON format</h2>
 * <pre>{@code
 * {
 *   "asOf": "2026-11-20",                       // default date for entries without their own
 *   "models": {
 *     "anthropic:claude-sonnet-4-5": {
 *       "input": 3, "output": 15,                // USD per million tokens (required)
 *       "cacheRead": 0.30, "cacheWrite": 3.75,   // optional; default to the input rate
 *       "cacheWrite1h": 6, "reasoning": 15,      // optional; default to cacheWrite / output
 *       "tiers": [ {"aboveInputTokens": 200000, "input": 6, "output": 22.5, ...} ],
 *       "source": "https://www.anthropic.com/pricing",   // required
 *       "asOf": "2026-11-20"                     // optional, overrides the top-level date
 *     }
 *   }
 * }
 * }</pre>
 * Numbers are read exactly as decimals (strings are accepted too); nothing passes through
 * {@code double}.
 */
public final class PriceBook {

    private static final ObjectMapper JSON = ObjectMappers.PRICES;

    private static final PriceBook EMPTY = new PriceBook(Map.of(), null);

    private final Map<String, Price> prices;
    /**
     * The same prices keyed by {@link ModelRef} (every key that reads back as exactly itself), so that
     * pricing a call does not build the {@code provider:model} string each time.
     */
    private final Map<ModelRef, Price> byRef;
    private final LocalDate asOf;

    private PriceBook(Map<String, Price> prices, LocalDate asOf) {
        this.prices = Collections.unmodifiableMap(new LinkedHashMap<>(prices));
        this.asOf = asOf;
        Map<ModelRef, Price> refs = new java.util.HashMap<>();
        this.prices.forEach((key, price) -> {
            try {
                ModelRef ref = ModelRef.parse(key);
                if (ref.toString().equals(key)) {
                    refs.put(ref, price);
                }
            } catch (IllegalArgumentException e) {
                // not a provider:model key: found by its string only
            }
        });
        this.byRef = Collections.unmodifiableMap(refs); // a HashMap: compares hashes before calling equals
    }

    /** A book with no prices: every model is unpriced until added. */
    public static PriceBook empty() {
        return EMPTY;
    }

    /** Reads a book from JSON in the format above. */
    public static PriceBook fromJson(InputStream in) {
        Objects.requireNonNull(in, "price book input");
        try {
            return fromJson(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("price book is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Reads a book from a JSON tree in the format above. */
    public static PriceBook fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("price book must be a JSON object with a \"models\" object");
        }
        LocalDate bookDate = date(root.get("asOf"), "asOf");
        JsonNode models = root.get("models");
        if (models == null || !models.isObject()) {
            throw new IllegalArgumentException("price book has no \"models\" object");
        }
        Map<String, Price> map = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            ModelRef.parse(key);
            JsonNode n = e.getValue();
            try {
                Rates base = rates(n);
                List<PriceTier> tiers = new ArrayList<>();
                JsonNode tiersNode = n.get("tiers");
                if (tiersNode != null) {
                    for (JsonNode t : tiersNode) {
                        tiers.add(new PriceTier(t.path("aboveInputTokens").asLong(-1), rates(t)));
                    }
                }
                String source = n.path("source").asText(null);
                if (source == null || source.isBlank()) {
                    throw new IllegalArgumentException("has no \"source\" (the pricing page it came from)");
                }
                LocalDate d = n.has("asOf") ? date(n.get("asOf"), key + ".asOf") : bookDate;
                map.put(key, new Price(base, tiers, source, d));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("price book entry '" + key + "': " + ex.getMessage(), ex);
            }
        }
        return new PriceBook(map, bookDate);
    }

    /** Reads rates from an object with {@code input}, {@code output} and optional bucket rates. */
    public static Rates rates(JsonNode n) {
        BigDecimal input = decimal(n, "input");
        BigDecimal output = decimal(n, "output");
        if (input == null || output == null) {
            throw new IllegalArgumentException("needs both \"input\" and \"output\" rates (USD per million tokens)");
        }
        return new Rates(input, output, decimal(n, "cacheRead"), decimal(n, "cacheWrite"),
                decimal(n, "cacheWrite1h"), decimal(n, "reasoning"));
    }

    private static BigDecimal decimal(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isNumber()) {
            return v.decimalValue();
        }
        if (v.isTextual()) {
            try {
                return new BigDecimal(v.asText().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("\"" + field + "\" is not a number: '" + v.asText() + "'");
            }
        }
        throw new IllegalArgumentException("\"" + field + "\" must be a number, was " + v.getNodeType());
    }

    private static LocalDate date(JsonNode n, String what) {
        if (n == null || n.isNull()) {
            return null;
        }
        try {
            return LocalDate.parse(n.asText());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + " must be a date like 2026-11-20, was '" + n.asText() + "'");
        }
    }

    /** The price of a model, if the book has one. */
    public Optional<Price> find(ModelRef model) {
        Price p = byRef.get(model);
        return Optional.ofNullable(p != null ? p : prices.get(model.toString()));
    }

    /** A new book with this price added or replaced. */
    public PriceBook with(ModelRef model, Price price) {
        Map<String, Price> copy = new LinkedHashMap<>(prices);
        copy.put(model.toString(), Objects.requireNonNull(price, "price"));
        return new PriceBook(copy, asOf);
    }

    /** A new book with every entry of {@code overrides} added or replacing this one's. */
    public PriceBook with(PriceBook overrides) {
        Map<String, Price> copy = new LinkedHashMap<>(prices);
        copy.putAll(overrides.prices);
        return new PriceBook(copy, asOf != null ? asOf : overrides.asOf);
    }

    /** Prices a call: computed from the book when priced, the reported figure beside it. */
    public Cost cost(ModelRef model, Usage usage, BigDecimal reportedUsd) {
        return Cost.of(find(model).map(p -> p.costOf(usage)).orElse(null), reportedUsd);
    }

    /** The book's date, or null. */
    public LocalDate asOf() {
        return asOf;
    }

    /** Every entry, keyed by {@code provider:model}. */
    public Map<String, Price> entries() {
        return prices;
    }

    @Override
    public String toString() {
        return "PriceBook[" + prices.size() + " models, asOf=" + asOf + "]";
    }
}
