package dev.fusion.server;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatOptions;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LangChain4j's and Spring AI's own OpenAI clients pointed at the gateway (with a gateway key), whole and
 * streamed, with usage, and each framework's tool loop running through the gateway's fused tool decisions.
 */
class JavaClientsTest {

    static final String KEY = "sk-fusion-java-clients-5e1c9a07b3d2f864";
    static final String QUESTION = "Why is the sky blue?";
    static SandboxGateway gw;

    @BeforeAll
    static void start() {
        gw = new SandboxGateway(b -> b.key(GatewayKey.of("java", GatewayKey.hash(KEY))));
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    private static OpenAiChatModel langChain4j() {
        return OpenAiChatModel.builder().baseUrl(gw.url("/v1")).apiKey(KEY).modelName("fusion/default")
                .maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    private static org.springframework.ai.openai.OpenAiChatModel springAi() {
        return org.springframework.ai.openai.OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
                .baseUrl(gw.url("/v1")).apiKey(KEY).model("fusion/default").maxRetries(0)
                .timeout(Duration.ofSeconds(60)).streamUsage(true).build()).build();
    }

    // ------------------------------------------------------------------ LangChain4j

    @Test
    void langChain4jOpenAiChatModelGetsTheFusedAnswerWithUsage() {
        ChatResponse r = langChain4j().chat(ChatRequest.builder()
                .messages(dev.langchain4j.data.message.UserMessage.from(QUESTION)).build());

        assertThat(r.aiMessage().text()).isNotBlank();
        assertThat(r.modelName()).isEqualTo("fusion/default");
        assertThat(r.tokenUsage().inputTokenCount()).isPositive();
        assertThat(r.tokenUsage().totalTokenCount()).isEqualTo(r.tokenUsage().inputTokenCount() + r.tokenUsage().outputTokenCount());
        assertThat(r.finishReason()).isEqualTo(dev.langchain4j.model.output.FinishReason.STOP);
    }

    @Test
    void langChain4jStreamingModelReceivesTheJudgesPiecesAndUsage() throws Exception {
        OpenAiStreamingChatModel model = OpenAiStreamingChatModel.builder().baseUrl(gw.url("/v1")).apiKey(KEY)
                .modelName("fusion/default").timeout(Duration.ofSeconds(60)).build();
        List<String> pieces = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        model.chat(QUESTION, new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partial) {
                pieces.add(partial);
            }

            @Override
            public void onCompleteResponse(ChatResponse response) {
                done.complete(response);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse r = done.get(60, TimeUnit.SECONDS);

        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(r.aiMessage().text()).isNotBlank();
        assertThat(r.tokenUsage()).as("usage from the include_usage chunk").isNotNull();
        assertThat(r.tokenUsage().totalTokenCount()).isPositive();
    }

    static final class Calculator {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @Tool("Evaluates an arithmetic product such as 17*23")
        String calculator(String expression) {
            calls.add(expression);
            long product = 1;
            for (String n : expression.split("\\*")) {
                product *= Long.parseLong(n.strip());
            }
            return String.valueOf(product);
        }
    }

    interface Agent {
        String chat(String question);
    }

    @Test
    void aLangChain4jAgentRunsItsToolLoopThroughTheGateway() {
        Calculator calc = new Calculator();
        Agent agent = AiServices.builder(Agent.class).chatModel(langChain4j()).tools(calc).build();

        String answer = agent.chat("What is 17 * 23?");

        assertThat(calc.calls).containsExactly("17*23");
        assertThat(answer).contains("391");
    }

    // ------------------------------------------------------------------ Spring AI

    @Test
    void springAiOpenAiChatModelGetsTheFusedAnswerWithUsage() {
        org.springframework.ai.chat.model.ChatResponse r = springAi().call(new Prompt(QUESTION));

        assertThat(r.getResult().getOutput().getText()).isNotBlank();
        assertThat(r.getMetadata().getModel()).isEqualTo("fusion/default");
        assertThat(r.getMetadata().getUsage().getPromptTokens()).isPositive();
        assertThat(r.getMetadata().getUsage().getTotalTokens())
                .isEqualTo(r.getMetadata().getUsage().getPromptTokens() + r.getMetadata().getUsage().getCompletionTokens());
        assertThat(r.getResult().getMetadata().getFinishReason()).isEqualToIgnoringCase("stop");
    }

    @Test
    void springAiStreamReceivesThePiecesAndTheUsageChunk() {
        List<org.springframework.ai.chat.model.ChatResponse> chunks = springAi().stream(new Prompt(QUESTION)).collectList()
                .block(Duration.ofSeconds(60));

        String text = String.join("", chunks.stream().filter(c -> c.getResult() != null && c.getResult().getOutput() != null)
                .map(c -> c.getResult().getOutput().getText() == null ? "" : c.getResult().getOutput().getText()).toList());
        assertThat(text).isNotBlank();
        assertThat(chunks).hasSizeGreaterThan(2);
        assertThat(chunks.stream().map(c -> c.getMetadata().getUsage().getTotalTokens()).filter(t -> t != null && t > 0).toList())
                .as("a chunk carries the fusion's usage").isNotEmpty();
    }

    static final class SpringCalculator {
        final List<String> calls = new CopyOnWriteArrayList<>();

        @org.springframework.ai.tool.annotation.Tool(description = "Evaluates an arithmetic product such as 17*23")
        String calculator(String expression) {
            calls.add(expression);
            long product = 1;
            for (String n : expression.split("\\*")) {
                product *= Long.parseLong(n.strip());
            }
            return String.valueOf(product);
        }
    }

    @Test
    void aSpringAiChatClientRunsItsToolLoopThroughTheGateway() {
        SpringCalculator calc = new SpringCalculator();

        String answer = ChatClient.create(springAi()).prompt("What is 17 * 23?").tools(calc).call().content();

        assertThat(calc.calls).containsExactly("17*23");
        assertThat(answer).contains("391");
    }
}
