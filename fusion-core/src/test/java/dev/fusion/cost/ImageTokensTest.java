package dev.fusion.cost;

import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Image token rules against each vendor's documented examples, and sizes read from real headers. */
class ImageTokensTest {

    @Test
    void openAiTilesMatchTheDocumentedExamples() {
        // platform.openai.com/docs/guides/images-vision, "Calculating costs"
        assertThat(ImageTokens.tokens(ImageTokens.Rule.OPENAI, 1024, 1024)).isEqualTo(765);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.OPENAI, 2048, 4096)).isEqualTo(1105);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.OPENAI, 512, 512)).isEqualTo(255);
    }

    @Test
    void anthropicIsPixelsOver750CappedByTheResize() {
        // docs.claude.com vision guide, "Calculate image costs": 200x200 ~54, 1000x1000 ~1334, 1092x1092 ~1590
        assertThat(ImageTokens.tokens(ImageTokens.Rule.ANTHROPIC, 200, 200)).isEqualTo(54);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.ANTHROPIC, 1000, 1000)).isEqualTo(1334);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.ANTHROPIC, 1092, 1092)).isEqualTo(1590);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.ANTHROPIC, 8000, 8000)).isEqualTo(1600);
    }

    @Test
    void geminiIs258PerSmallImageOrPer768Tile() {
        // ai.google.dev/gemini-api/docs/tokens, "Multimodal tokens"
        assertThat(ImageTokens.tokens(ImageTokens.Rule.GEMINI, 384, 384)).isEqualTo(258);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.GEMINI, 600, 400)).isEqualTo(258);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.GEMINI, 1000, 1000)).isEqualTo(4 * 258);
        // Gemini 3: 1120 per image at the default media resolution, small or large
        assertThat(ImageTokens.ruleFor(ModelRef.parse("gemini:gemini-3-pro-preview"))).isEqualTo(ImageTokens.Rule.GEMINI_3);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.GEMINI_3, 100, 100)).isEqualTo(1120);
        assertThat(ImageTokens.tokens(ImageTokens.Rule.LARGEST, 100, 100)).isEqualTo(1120);
    }

    @Test
    void theRuleFollowsTheVendorEvenBehindARouter() {
        assertThat(ImageTokens.ruleFor(ModelRef.parse("openrouter:anthropic/claude-sonnet-4.5"))).isEqualTo(ImageTokens.Rule.ANTHROPIC);
        assertThat(ImageTokens.ruleFor(ModelRef.parse("gemini:gemini-2.5-flash"))).isEqualTo(ImageTokens.Rule.GEMINI);
        assertThat(ImageTokens.ruleFor(ModelRef.parse("openai:gpt-4.1"))).isEqualTo(ImageTokens.Rule.OPENAI);
        assertThat(ImageTokens.ruleFor(ModelRef.parse("qwen:qwen-vl-max"))).isEqualTo(ImageTokens.Rule.LARGEST);
    }

    @Test
    void sizesComeFromPngJpegGifAndWebpHeaders() throws Exception {
        for (String format : new String[]{"png", "jpeg", "gif"}) {
            byte[] bytes = encode(format, 1024, 1024);
            List<ChatMessage> msgs = List.of(ChatMessage.user(List.of(ContentPart.text("look"),
                    ContentPart.image(bytes, "image/" + format))));
            assertThat(ImageTokens.estimate(ModelRef.parse("openai:gpt-4o"), msgs)).as(format).isEqualTo(765);
            assertThat(TokenEstimator.defaultEstimator().estimateImages(ModelRef.parse("openai:gpt-4o"), msgs)).isEqualTo(765);
        }
        // A hand-made WebP VP8X header: canvas 1000x1000 (stored as width-1, height-1, 24-bit little-endian)
        byte[] webp = new byte[30];
        System.arraycopy("RIFF".getBytes(), 0, webp, 0, 4);
        System.arraycopy("WEBPVP8X".getBytes(), 0, webp, 8, 8);
        webp[24] = (byte) 0xE7; webp[25] = 0x03; webp[27] = (byte) 0xE7; webp[28] = 0x03;
        assertThat(ContentPart.image(webp, "image/webp").dimensions()).containsExactly(1000, 1000);
    }

    @Test
    void anUnknownSizeCountsAsTheLargestImage() {
        List<ChatMessage> msgs = List.of(ChatMessage.user(List.of(ContentPart.text("look"),
                ContentPart.imageUrl("https://example.com/x.png"),
                ContentPart.image(new byte[]{1, 2, 3}, "image/png"))));
        assertThat(ImageTokens.estimate(ModelRef.parse("openai:gpt-4o"), msgs)).isEqualTo(2 * 1445);
        assertThat(ImageTokens.estimate(ModelRef.parse("anthropic:claude-x"), msgs)).isEqualTo(2 * 1600);
    }

    @Test
    void aTruncatedJpegGivesNoSizeRatherThanAnError() throws Exception {
        byte[] full = encode("jpeg", 64, 64);
        byte[] cut = java.util.Arrays.copyOf(full, 12);
        assertThat(ContentPart.image(cut, "image/jpeg").dimensions()).isNull();
    }

    private static byte[] encode(String format, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).isTrue();
        return out.toByteArray();
    }
}
