package dev.fusion.providers;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.cost.Rates;
import dev.fusion.cost.Usage;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/** A real core {@link Fusion} over three provider kinds on three servers, with a judge. */
class EndToEndTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();
    @StartStop
    final MockWebServer anthropic = new MockWebServer();
    @StartStop
    final MockWebServer gemini = new MockWebServer();

    @Test
    void panelOfThreeKindsAndAJudgeWithExactCost() {
        openai.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                String body = TestSupport.body(r);
                if (body.contains("\"model\":\"judge-model\"")) {
                    // The judge sees anonymized answers.
                    return body.contains("Answer 1") && !body.contains("cheap-a")
                            ? json(200, openAi("Merged: the answer is 4.", 900, 100, 50, 0, "0.0009"))
                            : json(400, "{\"error\":{\"message\":\"judge prompt not anonymized\",\"type\":\"test\"}}");
                }
                return json(200, openAi("Four.", 1000, 400, 10, 2, null));
            }
        });
        anthropic.enqueue(json(200, """
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[
                 {"type":"text","text":"It is 4."}],"stop_reason":"end_turn","usage":{"input_tokens":100,
                 "cache_creation_input_tokens":300,"cache_read_input_tokens":200,
                 "cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":20}}"""));
        gemini.enqueue(json(200, """
                {"candidates":[{"content":{"parts":[{"text":"4","thought":false}],"role":"model"},"finishReason":"STOP"}],
                 "usageMetadata":{"promptTokenCount":500,"cachedContentTokenCount":100,"candidatesTokenCount":1,
                 "thoughtsTokenCount":30,"totalTokenCount":531},"modelVersion":"gemini-3-flash"}"""));

        Providers providers = TestSupport.providers(openai, anthropic, gemini);
        Fusion fusion = Fusion.builder().panelStreaming(false) // the mock server answers with JSON bodies
                .panel(providers.model("oai:cheap-a"), providers.model("ant:claude-haiku-4-5"),
                        providers.model("gem:gemini-3-flash"))
                .judge(providers.model("oai:judge-model"))
                .quorum(3)
                .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE)
                .price("oai:cheap-a", Price.of(new Rates(new BigDecimal("0.27"), new BigDecimal("1.10"),
                        new BigDecimal("0.07"), null, null, null)))
                .price("ant:claude-haiku-4-5", Price.of(new Rates(new BigDecimal("1"), new BigDecimal("5"),
                        new BigDecimal("0.10"), new BigDecimal("1.25"), new BigDecimal("2"), null)))
                .price("gem:gemini-3-flash", Price.of(new Rates(new BigDecimal("0.50"), new BigDecimal("3"),
                        new BigDecimal("0.05"), null, null, null)))
                .price("oai:judge-model", Price.of("3", "15"))
                .budgetUsd(new BigDecimal("1"))
                .build();

        FusionResult r = fusion.ask("What is 2+2?");

        assertThat(r.judged()).isTrue();
        assertThat(r.answer()).isEqualTo("Merged: the answer is 4.");
        Map<String, CallRecord> byId = r.calls().stream().collect(Collectors.toMap(CallRecord::memberId, Function.identity()));
        assertThat(byId).containsOnlyKeys("oai:cheap-a", "ant:claude-haiku-4-5", "gem:gemini-3-flash", "oai:judge-model");
        assertThat(r.calls()).allSatisfy(c -> assertThat(c.isOk()).as(c.toString()).isTrue());

        // OpenAI: prompt 1000 (400 cached), completion 10 (2 reasoning)
        assertThat(byId.get("oai:cheap-a").usage()).isEqualTo(new Usage(600, 400, 0, 0, 8, 2));
        // Anthropic: 300 written, 200 of them for 1 hour
        assertThat(byId.get("ant:claude-haiku-4-5").usage()).isEqualTo(new Usage(100, 200, 300, 200, 20, 0));
        // Gemini: prompt 500 includes 100 cached; thoughts separate
        assertThat(byId.get("gem:gemini-3-flash").usage()).isEqualTo(new Usage(400, 100, 0, 0, 1, 30));
        assertThat(byId.get("oai:judge-model").usage()).isEqualTo(new Usage(800, 100, 0, 0, 50, 0));
        assertThat(byId.get("oai:judge-model").cost().reportedUsd()).isEqualByComparingTo("0.0009");

        // cheap-a : 600*0.27 + 400*0.07 + 8*1.10 + 2*1.10                = 162 + 28 + 8.8 + 2.2 = 201 µ$
        // haiku   : 100*1 + 200*0.10 + 100*1.25 + 200*2 + 20*5            = 100 + 20 + 125 + 400 + 100 = 745 µ$
        // gemini  : 400*0.50 + 100*0.05 + 1*3 + 30*3                      = 200 + 5 + 3 + 90 = 298 µ$
        // judge   : 800*3 + 100*3 (no cache-read rate: input rate) + 50*15 = 2400 + 300 + 750 = 3450 µ$
        assertThat(byId.get("oai:cheap-a").cost().computedUsd()).isEqualByComparingTo("0.000201");
        assertThat(byId.get("ant:claude-haiku-4-5").cost().computedUsd()).isEqualByComparingTo("0.000745");
        assertThat(byId.get("gem:gemini-3-flash").cost().computedUsd()).isEqualByComparingTo("0.000298");
        assertThat(byId.get("oai:judge-model").cost().computedUsd()).isEqualByComparingTo("0.00345");
        assertThat(r.totalCostUsd()).isEqualByComparingTo(new BigDecimal("0.004694"));
        assertThat(r.costComplete()).isTrue();
        assertThat(openai.getRequestCount()).isEqualTo(2);
    }

    private static String openAi(String text, int prompt, int cached, int completion, int reasoning, String cost) {
        // OpenAI API reference, chat completion object (usage with details); OpenRouter usage.cost.
        return """
                {"id":"chatcmpl-e2e","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,
                 "message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d,%s
                  "prompt_tokens_details":{"cached_tokens":%d},"completion_tokens_details":{"reasoning_tokens":%d}}}"""
                .formatted(text, prompt, completion, prompt + completion, cost == null ? "" : "\"cost\":" + cost + ",",
                        cached, reasoning);
    }
}
