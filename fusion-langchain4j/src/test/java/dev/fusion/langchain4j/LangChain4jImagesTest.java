package dev.fusion.langchain4j;

import com.sun.net.httpserver.HttpServer;
import dev.fusion.Fusion;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatMessage;
import dev.fusion.model.ContentPart;
import dev.fusion.model.ModelRequest;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatModel;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Images in user messages pass through the LangChain4j adapter both ways instead of being refused, proven at a
 * real OpenAI-compatible HTTP upstream that records every request body.
 */
class LangChain4jImagesTest {

    private HttpServer upstream;
    private final List<String> bodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/v1/chat/completions", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            bodies.add(body);
            if (body.replace(" ", "").contains("\"stream\":true")) {
                byte[] sse = ("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"a red square\"},"
                        + "\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"total_tokens\":13}}\n\ndata: [DONE]\n\n")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("content-type", "text/event-stream");
                exchange.sendResponseHeaders(200, sse.length);
                exchange.getResponseBody().write(sse);
                exchange.close();
                return;
            }
            byte[] answer = ("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
                    + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"a red square\"},"
                    + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"total_tokens\":13}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        upstream.start();
    }

    @AfterEach
    void stop() {
        upstream.stop(0);
    }

    private String base() {
        return "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1";
    }

    private static byte[] png() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xFF0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void aLangChain4jImageReachesEveryPanelMember() throws Exception {
        byte[] png = png();
        Providers p = Providers.builder().env(Map.of()).provider("up", ProviderSpec.keyless(ProviderKind.OPENAI, base())).build();
        Fusion fusion = Fusion.builder().panel(p.model("up:a"), p.model("up:b")).judge(p.model("up:j"))
                .retry(RetryPolicy.NONE).allowUnpriced(true).build();

        String answer = FusionChatModel.of(fusion).chat(ChatRequest.builder().messages(UserMessage.from(
                TextContent.from("What is in this image?"),
                ImageContent.from(Base64.getEncoder().encodeToString(png), "image/png"))).build()).aiMessage().text();

        assertThat(answer).isNotBlank();
        String dataUrl = "data:image/png;base64," + Base64.getEncoder().encodeToString(png);
        List<String> panel = bodies.stream().filter(b -> b.contains("\"model\":\"a\"") || b.contains("\"model\":\"b\"")).toList();
        assertThat(panel).hasSize(2).allSatisfy(b -> assertThat(b).contains(dataUrl).contains("What is in this image?"));
    }

    @Test
    void aLangChain4jMemberReceivesTheRequestsImages() throws Exception {
        byte[] png = png();
        OpenAiChatModel model = OpenAiChatModel.builder().baseUrl(base()).apiKey("none").modelName("m").maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
        ModelRequest request = ModelRequest.builder().messages(List.of(ChatMessage.user(List.of(
                ContentPart.text("Compare these two."), ContentPart.image(png, "image/png"),
                ContentPart.imageUrl("https://example.com/cat.jpg"))))).build();

        String text = LangChain4jModel.of("openai:m", model).call(request).block().text();

        assertThat(text).isEqualTo("a red square");
        assertThat(bodies).singleElement().satisfies(b -> assertThat(b)
                .contains("data:image/png;base64," + Base64.getEncoder().encodeToString(png))
                .contains("https://example.com/cat.jpg")
                .contains("Compare these two."));
    }
}
