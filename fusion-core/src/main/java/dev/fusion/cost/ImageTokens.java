package dev.fusion.cost;

import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRef;

import java.util.List;
import java.util.Locale;

/**
 * Estimates the input tokens of an image by each vendor's documented rule, from the width and height
 * read from the image header (PNG, JPEG, GIF, WebP; never decoded). An image whose size is unknown
 * (a URL, or an unreadable header) counts as the vendor's largest image, so the estimate stays an
 * upper bound for budget reservations.
 *
 * <ul>
 *   <li><b>OpenAI</b> (GPT-4o / GPT-4.1 / o-series, {@code detail: high}, the default for large images):
 *       fit within 2048&times;2048, then scale the shortest side down to 768; 85 tokens plus 170 per
 *       512-px tile. Source: platform.openai.com/docs/guides/images-vision, "Calculating costs"
 *       (1024&times;1024 &rarr; 765; 2048&times;4096 &rarr; 1105). Largest: 1445 (8 tiles).</li>
 *   <li><b>Anthropic</b>: width&times;height/750 after the image is scaled to a long edge of at most 1568 px
 *       and at most ~1600 tokens. Source: docs.claude.com/en/docs/build-with-claude/vision,
 *       "Calculate image costs" (1092&times;1092 &rarr; ~1590). Largest: 1600.</li>
 *   <li><b>Gemini 2.x</b>: 258 tokens when both sides are at most 384 px, else 258 per 768&times;768 tile.
 *       Source: ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens". An unknown size counts as
 *       4 tiles (a 1536&times;1536 image).</li>
 *   <li><b>Gemini 3</b>: 1120 tokens per image at the default media resolution, whatever its size.
 *       Source: cloud.google.com/vertex-ai/generative-ai/docs/multimodal/image-understanding, Gemini 3 Pro
 *       "Default resolution tokens: 1120". A higher {@code media_resolution} set through extraBody is not
 *       modelled.</li>
 *   <li>Other models: the largest of these rules.</li>
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
public final class ImageTokens {

    /** Which documented rule applies. */
    public enum Rule { OPENAI, ANTHROPIC, GEMINI, GEMINI_3, LARGEST }

    static final long OPENAI_MAX = 85 + 170 * 8;
    static final long ANTHROPIC_MAX = 1600;
    static final long GEMINI_UNKNOWN = 258 * 4;
    static final long GEMINI_3 = 1120;

    private ImageTokens() {
    }

    /** The rule for a model: by provider, or by the model name behind a router (e.g. {@code openrouter:anthropic/...}). */
    public static Rule ruleFor(ModelRef model) {
        if (model == null) {
            return Rule.LARGEST;
        }
        String p = model.provider().toLowerCase(Locale.ROOT);
        String m = model.model().toLowerCase(Locale.ROOT);
        if (p.equals("anthropic") || m.contains("claude")) {
            return Rule.ANTHROPIC;
        }
        if (p.equals("gemini") || m.contains("gemini")) {
            return m.contains("gemini-3") ? Rule.GEMINI_3 : Rule.GEMINI;
        }
        if (p.equals("openai") || m.startsWith("openai/") || m.startsWith("gpt-") || m.matches("o[0-9].*")) {
            return Rule.OPENAI;
        }
        return Rule.LARGEST;
    }

    /** Estimated tokens of every image in {@code messages} for {@code model}. */
    public static long estimate(ModelRef model, List<ChatMessage> messages) {
        Rule rule = null; // looked up at the first image: most prompts have none, and every ask under a cap asks
        long total = 0;
        for (ChatMessage msg : messages) {
            for (ContentPart part : msg.parts()) {
                if ((part instanceof ContentPart.Image || part instanceof ContentPart.ImageUrl) && rule == null) {
                    rule = ruleFor(model);
                }
                if (part instanceof ContentPart.Image img) {
                    int[] d = img.dimensions();
                    total += d == null ? unknown(rule) : tokens(rule, d[0], d[1]);
                } else if (part instanceof ContentPart.ImageUrl) {
                    total += unknown(rule);
                }
            }
        }
        return total;
    }

    /** Estimated tokens of one {@code width}&times;{@code height} image under {@code rule}. */
    public static long tokens(Rule rule, int width, int height) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image sides must be positive, were " + width + "x" + height);
        }
        return switch (rule) {
            case OPENAI -> openAi(width, height);
            case ANTHROPIC -> anthropic(width, height);
            case GEMINI -> gemini(width, height);
            case GEMINI_3 -> GEMINI_3;
            case LARGEST -> Math.max(Math.max(openAi(width, height), GEMINI_3),
                    Math.max(anthropic(width, height), gemini(width, height)));
        };
    }

    /** The tokens counted for an image of unknown size: the rule's largest (Gemini: 4 tiles). */
    public static long unknown(Rule rule) {
        return switch (rule) {
            case OPENAI -> OPENAI_MAX;
            case ANTHROPIC -> ANTHROPIC_MAX;
            case GEMINI -> GEMINI_UNKNOWN;
            case GEMINI_3 -> GEMINI_3;
            case LARGEST -> Math.max(OPENAI_MAX, Math.max(ANTHROPIC_MAX, Math.max(GEMINI_UNKNOWN, GEMINI_3)));
        };
    }

    static long openAi(int width, int height) {
        double w = width;
        double h = height;
        if (Math.max(w, h) > 2048) {
            double s = 2048 / Math.max(w, h);
            w *= s;
            h *= s;
        }
        if (Math.min(w, h) > 768) {
            double s = 768 / Math.min(w, h);
            w *= s;
            h *= s;
        }
        long tiles = (long) Math.ceil(Math.floor(w) / 512) * (long) Math.ceil(Math.floor(h) / 512);
        return 85 + 170 * tiles;
    }

    static long anthropic(int width, int height) {
        double w = width;
        double h = height;
        if (Math.max(w, h) > 1568) {
            double s = 1568 / Math.max(w, h);
            w *= s;
            h *= s;
        }
        double tokens = w * h / 750;
        return Math.min(ANTHROPIC_MAX, (long) Math.ceil(tokens));
    }

    static long gemini(int width, int height) {
        if (width <= 384 && height <= 384) {
            return 258;
        }
        long tiles = (long) Math.ceil(width / 768.0) * (long) Math.ceil(height / 768.0);
        return 258 * tiles;
    }
}
