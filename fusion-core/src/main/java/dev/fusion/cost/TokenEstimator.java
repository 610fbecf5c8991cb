package dev.fusion.cost;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fusion.model.ModelRef;

/**
 * Estimates prompt tokens before a call, for budget reservations and cost previews.
 *
 * <p>The default counts with OpenAI's {@code o200k_base} BPE (jtokkit), which is exact for current
 * OpenAI models. Other vendors' tokenizers are not public in Java; they tend to produce more
 * tokens than o200k for the same text (Anthropic and Gemini most of all on code and non-English
 * text), so for every non-OpenAI model the count is multiplied by a safety factor (1.3 by default)
 * and a fixed per-message overhead is added. An estimate is meant to be an upper bound for
 * reservations, not a bill: bills come from the usage the provider reports.
 *
 * <p>Thread-safe.
 */
public interface TokenEstimator {

    /** Estimated prompt tokens of {@code text} as the given model will count them. */
    long estimate(ModelRef model, String text);

    /**
     * Estimated prompt tokens of an ask's prompt for its budget plan (the worst case reserved before any
     * call). The default is {@link #estimate}; the default estimator's answer for a very long prompt
     * is a bounded-cost estimate from samples (see {@link Default}).
     */
    default long estimatePrompt(ModelRef model, String text) {
        return estimate(model, text);
    }

    /**
     * Estimated input tokens of the images in {@code messages} as {@code model}'s vendor counts them
     * (see {@link ImageTokens} for each documented rule and its source); 0 without images.
     */
    default long estimateImages(ModelRef model, java.util.List<dev.fusion.model.ChatMessage> messages) {
        return ImageTokens.estimate(model, messages);
    }

    /** The default estimator described above. */
    static TokenEstimator defaultEstimator() {
        return Default.INSTANCE;
    }

    /**
     * The jtokkit-backed default.
     *
     * <p>Counts are kept off the hot path of an ask: text is counted in pieces cut where the
     * tokenizer's own pre-tokenization would cut it (after a line break followed by a word), so the
     * sum of the pieces is the count of the whole, and each piece's count is remembered in a bounded
     * cache shared by every model (the same system prompt, judge template or question is counted once,
     * not once per member and per ask). For the budget plan's prompt estimate ({@link #estimatePrompt})
     * a prompt longer than {@value #EXACT_CHARS} characters is not counted whole: its count is an
     * estimate from {@value #SAMPLES} evenly spaced samples of its text, scaled to its length with a
     * {@code 10 %} margin (bounded cost whatever the prompt's size; on Markdown and Java source it
     * came within −6 %…+14 % of the exact count before the margin). {@link #estimate} always counts
     * exactly.
     */
    final class Default implements TokenEstimator {
        static final Default INSTANCE = new Default(1.3, 16);

        /** Prompts up to this many characters are counted exactly by {@link #estimatePrompt}; longer ones from samples. */
        public static final int EXACT_CHARS = 32 * 1024;
        /** How many samples a long text's estimate counts. */
        public static final int SAMPLES = 8;
        /** Characters per sample of a long text. */
        private static final int SAMPLE_CHARS = 4 * 1024;
        /** The margin a long text's estimate adds to its sampled density. */
        private static final double LONG_MARGIN = 1.10;
        /** A piece is cut at the first pre-tokenizer boundary after this many characters. */
        private static final int PIECE_CHARS = 512;
        /** Pieces remembered (at most PIECE_CHARS plus one line each, in practice; see {@link #remember}). */
        private static final int CACHE_ENTRIES = 1024;
        /** Pieces longer than this are counted but not remembered (a very long line). */
        private static final int MAX_CACHED_PIECE = 8 * 1024;

        /** Loaded on first use: the BPE table takes a moment and is only needed under a budget. */
        private static final class Holder {
            static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
            static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.O200K_BASE);
        }

        private final double nonOpenAiFactor;
        private final int overhead;
        /** Piece text to its o200k count; bounded by clearing when full (a cache miss only costs a count). */
        private final java.util.concurrent.ConcurrentHashMap<String, Integer> pieces =
                new java.util.concurrent.ConcurrentHashMap<>();

        public Default(double nonOpenAiFactor, int overheadTokens) {
            if (nonOpenAiFactor < 1.0) {
                throw new IllegalArgumentException("the safety factor must be >= 1.0 for an upper bound");
            }
            this.nonOpenAiFactor = nonOpenAiFactor;
            this.overhead = overheadTokens;
        }

        @Override
        public long estimate(ModelRef model, String text) {
            return scaled(model, text == null || text.isEmpty() ? 0 : count(text));
        }

        /** As {@link #estimate}, but a prompt beyond {@link #EXACT_CHARS} is estimated from samples (bounded cost). */
        @Override
        public long estimatePrompt(ModelRef model, String text) {
            if (text != null && text.length() > EXACT_CHARS) {
                return scaled(model, sampled(text));
            }
            return estimate(model, text);
        }

        /**
         * A figure never below {@link #estimate estimate(model, text)}, without a tokenizer pass: one pass
         * over the characters, counting the text's UTF-8 length (every o200k token covers at least one
         * byte), scaled as the estimate is. For a check that only needs to know the estimate is below some
         * limit: when this bound already is, the exact count need not be taken. Thread-safe.
         */
        public long estimateAtMost(ModelRef model, String text) {
            return scaled(model, text == null ? 0 : utf8Bound(text));
        }

        /** The UTF-8 length of {@code text}, or more (a surrogate counts 3 bytes, a pair 6 for its 4). */
        static long utf8Bound(String text) {
            long bytes = 0;
            for (int i = 0, n = text.length(); i < n; i++) {
                char c = text.charAt(i);
                bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
            }
            return bytes;
        }

        private long scaled(ModelRef model, long base) {
            boolean openAi = model != null && (model.provider().equals("openai")
                    || model.model().startsWith("openai/") || model.model().startsWith("gpt-"));
            long scaled = openAi ? base : (long) Math.ceil(base * nonOpenAiFactor);
            return scaled + overhead;
        }

        /** The exact o200k count of {@code text}, piece by piece. */
        long count(String text) {
            long total = 0;
            int start = 0;
            while (start < text.length()) {
                int end = nextCut(text, start);
                total += piece(text, start, end);
                start = end;
            }
            return total;
        }

        private int piece(String text, int start, int end) {
            if (end - start > MAX_CACHED_PIECE) {
                return Holder.ENCODING.countTokensOrdinary(text.substring(start, end));
            }
            String key = start == 0 && end == text.length() ? text : text.substring(start, end);
            Integer known = pieces.get(key);
            if (known != null) {
                return known;
            }
            int n = Holder.ENCODING.countTokensOrdinary(key);
            remember(key, n);
            return n;
        }

        private void remember(String key, int n) {
            if (pieces.size() >= CACHE_ENTRIES) {
                pieces.clear(); // bounded: the hot pieces come back at once
            }
            pieces.put(key, n);
        }

        /**
         * The end of the piece that starts at {@code start}: the first boundary at or after
         * {@code start + PIECE_CHARS} (or the text's end). A boundary follows a line break and precedes
         * a character that no token before it can absorb (not whitespace, not {@code /}, which
         * o200k's punctuation-then-newlines rule can take), so no token spans it.
         */
        static int nextCut(String text, int start) {
            int n = text.length();
            for (int i = Math.min(n, start + PIECE_CHARS); i < n; i++) {
                if (isBoundary(text, i)) {
                    return i;
                }
            }
            return n;
        }

        static boolean isBoundary(String text, int i) {
            char prev = text.charAt(i - 1);
            char c = text.charAt(i);
            return (prev == '\n' || prev == '\r') && !Character.isWhitespace(c) && !Character.isSpaceChar(c)
                    && c != '/' && c != '\u0085' && !Character.isLowSurrogate(c);
        }

        /**
         * The estimate of a long text: {@link #SAMPLES} samples of about {@code SAMPLE_CHARS} characters,
         * evenly spaced from its start to its end and cut at whitespace, counted exactly; their density
         * of tokens per character times the text's length, plus {@code LONG_MARGIN}. Bounded cost.
         */
        static long sampled(String text) {
            int n = text.length();
            long tokens = 0;
            long chars = 0;
            int stride = (n - SAMPLE_CHARS) / (SAMPLES - 1);
            for (int k = 0; k < SAMPLES; k++) {
                int from = wordStart(text, k * stride);
                int to = wordStart(text, Math.min(n, k * stride + SAMPLE_CHARS));
                if (to <= from) {
                    continue;
                }
                tokens += Holder.ENCODING.countTokensOrdinary(text.substring(from, to));
                chars += to - from;
            }
            if (chars == 0) {
                return Holder.ENCODING.countTokensOrdinary(text); // no whitespace anywhere: nothing to sample by
            }
            return (long) Math.ceil(tokens * (double) n / chars * LONG_MARGIN);
        }

        /** The first index at or after {@code i} that starts a word (follows whitespace), near {@code i}. */
        private static int wordStart(String text, int i) {
            int n = text.length();
            if (i <= 0) {
                return 0;
            }
            if (i >= n) {
                return n;
            }
            for (int j = i, limit = Math.min(n, i + 256); j < limit; j++) {
                if (Character.isWhitespace(text.charAt(j - 1)) && !Character.isWhitespace(text.charAt(j))) {
                    return j;
                }
            }
            return Character.isLowSurrogate(text.charAt(i)) ? i + 1 : i; // never split a surrogate pair
        }
    }
}
