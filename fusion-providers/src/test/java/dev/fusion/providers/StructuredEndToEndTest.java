package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.Member;
import dev.fusion.RetryPolicy;
import dev.fusion.model.Effort;
import dev.fusion.providers.internal.Json;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@link Fusion} ask carries the request's schema, image and reasoning setting, and each
 * member's own reasoning and extra body, to the wire of every member (the pass-through in the engine).
 */
class StructuredEndToEndTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();
    @StartStop
    final MockWebServer anthropic = new MockWebServer();

    @Test
    void requestAndMemberSettingsReachEveryMembersWire() throws Exception {
        ConcurrentLinkedQueue<String> openAiBodies = new ConcurrentLinkedQueue<>();
        openai.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                openAiBodies.add(TestSupport.body(r));
                return json(200, StructuredWireTest.OPENAI_OK);
            }
        });
        anthropic.enqueue(json(200, StructuredWireTest.ANTHROPIC_OK));
        Providers providers = TestSupport.providers(openai, anthropic, null);
        Fusion fusion = Fusion.builder().panelStreaming(false)
                .member(Member.of(providers.model("oai:gpt-4o")).withReasoning(Effort.LOW)
                        .withExtraBody(Map.of("user", "tenant-7")))
                .member(Member.of(providers.model("ant:claude-sonnet-4-5")))
                .judge(providers.model("oai:judge-model"))
                .quorum(2).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE)
                .build();

        FusionResult r = fusion.ask(FusionRequest.builder().prompt("Is this review happy?")
                .image(StructuredWireTest.PNG, "image/png").schema(StructuredWireTest.SCHEMA)
                .reasoningTokens(2048).maxOutputTokens(4096).build());

        assertThat(r.calls()).allSatisfy(c -> assertThat(c.isOk()).as(c.toString()).isTrue());
        JsonNode member = openAiBodies.stream().map(StructuredEndToEndTest::tree)
                .filter(b -> b.path("model").asText().equals("gpt-4o")).findFirst().orElseThrow();
        assertThat(member.path("reasoning_effort").asText()).isEqualTo("low"); // the member's own setting wins
        assertThat(member.path("user").asText()).isEqualTo("tenant-7");
        assertThat(member.path("response_format").path("type").asText()).isEqualTo("json_schema");
        assertThat(member.path("messages").findValues("image_url")).hasSize(1);

        JsonNode claude = tree(TestSupport.body(anthropic.takeRequest()));
        assertThat(claude.path("thinking").path("budget_tokens").asInt()).isEqualTo(2048); // the request's setting
        assertThat(claude.path("output_config").path("format").path("type").asText()).isEqualTo("json_schema");
        assertThat(claude.has("user")).isFalse(); // extra body is per member
        assertThat(claude.path("messages").get(0).path("content").findValuesAsText("type")).contains("image", "text");
    }

    private static JsonNode tree(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
