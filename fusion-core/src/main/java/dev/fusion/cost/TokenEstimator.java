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

    /** The jtokkit-backed default. */
    final class Default implements TokenEstimator {
        static final Default INSTANCE = new Default(1.3, 16);

        /** Loaded on first use: the BPE table takes a moment and is only needed under a budget. */
        private static final class Holder {
            static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
            static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.O200K_BASE);
        }

        private final double nonOpenAiFactor;
        private final int overhead;

        public Default(double nonOpenAiFactor, int overheadTokens) {
            if (nonOpenAiFactor < 1.0) {
                throw new IllegalArgumentException("the safety factor must be >= 1.0 for an upper bound");
            }
            this.nonOpenAiFactor = nonOpenAiFactor;
            this.overhead = overheadTokens;
        }

        @Override
        public long estimate(ModelRef model, String text) {
            long base = text == null || text.isEmpty() ? 0 : Holder.ENCODING.countTokensOrdinary(text);
            boolean openAi = model != null && (model.provider().equals("openai")
                    || model.model().startsWith("openai/") || model.model().startsWith("gpt-"));
            long scaled = openAi ? base : (long) Math.ceil(base * nonOpenAiFactor);
            return scaled + overhead;
        }
    }
}
