package dev.fusion.providers;

import dev.fusion.BudgetExceededException;
import dev.fusion.Fusion;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.model.ModelRef;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The budget's worst case counts image tokens by the vendor's rule: text is made free (an estimator
 * that counts it as 0 tokens) and input costs $1 a token, so a 1024x1024 image is worth exactly
 * 765 tokens = $765 on an OpenAI model. A $700 budget then lets the text-only ask through and stops
 * the one with the image before any call.
 */
class ImageBudgetTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();

    private Fusion fusion(Providers providers) {
        TokenEstimator textIsFree = (ModelRef model, String text) -> 0;
        return Fusion.builder().panelStreaming(false)
                .panel(providers.model("oai:gpt-4o")).judge(providers.model("oai:judge-model"))
                .quorum(1).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE)
                .tokenEstimator(textIsFree)
                .price("oai:gpt-4o", Price.of("1000000", "0"))
                .price("oai:judge-model", Price.of("0", "0"))
                .budgetUsd(new BigDecimal("700"))
                .build();
    }

    @Test
    void anImageCountsInTheWorstCase() throws Exception {
        Providers providers = TestSupport.providers(openai, null, null);
        openai.enqueue(json(200, StructuredWireTest.OPENAI_OK));
        openai.enqueue(json(200, StructuredWireTest.OPENAI_OK));
        FusionResult textOnly = fusion(providers).ask(FusionRequest.builder().prompt("Describe it.").maxOutputTokens(50).build());
        assertThat(textOnly.calls()).isNotEmpty();
        int served = openai.getRequestCount();

        BufferedImage img = new BufferedImage(1024, 1024, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        FusionException e = catchThrowableOfType(FusionException.class, () -> fusion(providers).ask(FusionRequest.builder()
                .prompt("Describe it.").image(png.toByteArray(), "image/png").maxOutputTokens(50).build()));

        assertThat(e).isNotNull();
        assertThat(e).satisfiesAnyOf(
                x -> assertThat(x).isInstanceOf(BudgetExceededException.class),
                x -> assertThat(x.getMessage()).contains("budget"));
        assertThat(openai.getRequestCount()).isEqualTo(served); // stopped before any call
    }
}
