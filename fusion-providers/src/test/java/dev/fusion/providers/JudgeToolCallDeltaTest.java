package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.fusion.providers.FusedToolDecisionTest.JSON;
import static dev.fusion.providers.FusedToolDecisionTest.TIME;
import static dev.fusion.providers.FusedToolDecisionTest.WEATHER;
import static dev.fusion.providers.FusedToolDecisionTest.calls;
import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The judge deciding a disputed tool step on {@code stream()}: the tool-call arguments it streams over real
 * HTTP (OpenAI-compatible SSE, split over several deltas) arrive as {@link FusionEvent.JudgeToolCallDelta}s
 * before the decision, and concatenated equal the decided arguments.
 */
class JudgeToolCallDeltaTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    static final String JUDGE_SSE = "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
            + "\"tool_calls\":[{\"index\":0,\"id\":\"call_j\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"ci\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"ty\\\":\\\"Par\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"is\\\"}\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":12}}\n\n"
            + "data: [DONE]\n\n";

    @Test
    void theJudgesStreamedArgumentsArriveAsEventsBeforeTheDecision() throws Exception {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                JsonNode body;
                try {
                    body = JSON.readTree(TestSupport.body(r));
                } catch (Exception e) {
                    return json(400, "{}");
                }
                return switch (body.path("model").asText()) {
                    case "judge" -> TestSupport.sse(JUDGE_SSE);
                    case "m1" -> json(200, calls("get_weather", "{\"city\":\"Paris\"}"));
                    default -> json(200, calls("get_time", "{}"));
                };
            }
        });
        Providers p = TestSupport.providers(server, null, null);
        Fusion fusion = Fusion.builder().panelStreaming(false).panel(p.model("oai:m1"), p.model("oai:m2"))
                .judge(p.model("oai:judge")).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).build();

        List<FusionEvent> events = fusion.stream(FusionRequest.builder().prompt("Weather in Paris?").tools(WEATHER, TIME)
                .build()).collectList().block();

        List<FusionEvent.JudgeToolCallDelta> deltas = events.stream().filter(e -> e instanceof FusionEvent.JudgeToolCallDelta)
                .map(e -> (FusionEvent.JudgeToolCallDelta) e).toList();
        assertThat(deltas).hasSizeGreaterThanOrEqualTo(3).allSatisfy(d -> assertThat(d.index()).isZero());
        assertThat(deltas.get(0).name()).isEqualTo("get_weather");
        String args = String.join("", deltas.stream().map(FusionEvent.JudgeToolCallDelta::argumentsDelta).toList());
        assertThat(JSON.readTree(args)).isEqualTo(JSON.readTree("{\"city\":\"Paris\"}"));
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        assertThat(r.decidedBy()).contains(DecidedBy.JUDGED);
        assertThat(r.toolCalls()).singleElement().satisfies(c -> assertThat(c.arguments()).isEqualTo(JSON.readTree(args)));
        int lastDelta = events.indexOf(deltas.get(deltas.size() - 1));
        int decided = events.indexOf(events.stream().filter(e -> e instanceof FusionEvent.ToolCallsDecided).findFirst().orElseThrow());
        assertThat(lastDelta).isLessThan(decided);
    }
}
