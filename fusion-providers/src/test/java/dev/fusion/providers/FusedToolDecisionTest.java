package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.CallRecord;
import dev.fusion.DecidedBy;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.RetryPolicy;
import dev.fusion.ToolDecisionException;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolSpec;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * Fused tool decisions over real HTTP: three members and a judge behind one OpenAI-compatible server that
 * answers per model; what reaches the server (the judge or not, and what the judge is shown) is asserted.
 */
class FusedToolDecisionTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    static final ObjectMapper JSON = new ObjectMapper();
    static final ToolSpec WEATHER = ToolSpec.of("get_weather", "Current weather for a city",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},"
                    + "\"required\":[\"city\"],\"additionalProperties\":false}");
    static final ToolSpec TIME = new ToolSpec("get_time", "The current time", null);

    private final Map<String, String> replies = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();

    private Fusion fusion(int quorum) {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                JsonNode body = tree(TestSupport.body(r));
                bodies.add(body);
                String reply = replies.get(body.path("model").asText());
                return reply == null ? json(404, "{\"error\":{\"message\":\"no such model\"}}") : json(200, reply);
            }
        });
        Providers p = TestSupport.providers(server, null, null);
        return Fusion.builder().panelStreaming(false)
                .panel(p.model("oai:m1"), p.model("oai:m2"), p.model("oai:m3"))
                .judge(p.model("oai:judge")).quorum(quorum)
                .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).build();
    }

    private static FusionRequest ask() {
        return FusionRequest.builder().prompt("What's the weather in Paris, and the time?").tools(WEATHER, TIME).build();
    }

    /** An OpenAI answer calling tools: name, arguments JSON, name, arguments JSON, ... */
    static String calls(String... nameArgs) {
        StringBuilder tc = new StringBuilder();
        for (int i = 0; i < nameArgs.length; i += 2) {
            tc.append(i == 0 ? "" : ",").append("{\"id\":\"call_").append(i / 2).append("\",\"type\":\"function\",\"function\":{\"name\":\"")
                    .append(nameArgs[i]).append("\",\"arguments\":").append(JSON.valueToTree(nameArgs[i + 1]).toString()).append("}}");
        }
        return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[" + tc
                + "]},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":12}}";
    }

    static String text(String answer) {
        return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + JSON.valueToTree(answer).toString()
                + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":50,\"completion_tokens\":9}}";
    }

    private long judgeRequests() {
        return bodies.stream().filter(b -> b.path("model").asText().equals("judge")).count();
    }

    private JsonNode judgeRequest() {
        return bodies.stream().filter(b -> b.path("model").asText().equals("judge")).findFirst().orElseThrow();
    }

    @Test
    void unanimousCallsAreDecidedWithoutAJudgeRequest() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\"}", "get_time", "{}"));
        replies.put("m2", calls("get_time", "{}", "get_weather", "{ \"city\" : \"Paris\" }")); // parallel calls in another order
        replies.put("m3", calls("get_weather", "{\"city\":\"Paris\"}", "get_time", ""));
        List<FusionEvent> events = fusion(1).stream(ask()).collectList().block();
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        assertThat(judgeRequests()).isZero();
        assertThat(r.decidedBy()).contains(DecidedBy.UNANIMOUS);
        assertThat(r.finishReason()).isEqualTo("tool_calls");
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "get_time");
        assertThat(r.toolCalls().get(0).arguments()).isEqualTo(tree("{\"city\":\"Paris\"}"));
        assertThat(r.judgeCalls()).isEmpty();
        assertThat(events).filteredOn(e -> e instanceof FusionEvent.ToolCallsDecided).singleElement()
                .satisfies(e -> assertThat(((FusionEvent.ToolCallsDecided) e).supporters()).containsExactly("oai:m1", "oai:m2", "oai:m3"));
        // every member was offered the tools on the wire
        assertThat(bodies).allSatisfy(b -> assertThat(b.path("tools")).hasSize(2));
    }

    @Test
    void twoOfThreeWithQuorumTwoNeedNoJudge() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"));
        replies.put("m2", calls("get_weather", "{\"unit\":\"c\",\"city\":\"Paris\"}"));
        replies.put("m3", calls("get_time", "{}"));

        FusionResult r = fusion(2).ask(ask());

        assertThat(judgeRequests()).isZero();
        assertThat(r.decidedBy()).contains(DecidedBy.QUORUM);
        assertThat(r.toolCalls()).singleElement().extracting(ToolCall::name).isEqualTo("get_weather");
        assertThat(r.panel()).filteredOn(CallRecord::hasToolCalls).hasSize(3);
    }

    @Test
    void disputedToolNamesGoToTheJudgeAsAnonymizedProposals() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\"}"));
        replies.put("m2", calls("get_time", "{}"));
        replies.put("m3", text("It is probably sunny."));
        replies.put("judge", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}", "get_time", "{}"));

        FusionResult r = fusion(2).ask(ask());

        assertThat(judgeRequests()).isOne();
        assertThat(r.decidedBy()).contains(DecidedBy.JUDGED);
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_weather", "get_time");
        JsonNode judge = judgeRequest();
        assertThat(judge.path("tools")).hasSize(2);
        String shown = judge.path("messages").toString();
        assertThat(shown).contains("Call get_weather", "Call get_time", "It is probably sunny.").doesNotContain("oai:m1", "oai:m2", "oai:m3");
        assertThat(r.judgeCalls()).singleElement().satisfies(c -> assertThat(c.step()).isEqualTo("decide"));
    }

    @Test
    void disputedArgumentsSendOnlyTheDisputedFieldsToTheJudge() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"));
        replies.put("m2", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"f\"}"));
        replies.put("m3", calls("get_weather", "{\"city\":\"Lyon\"}"));
        replies.put("judge", text("{\"/unit\":\"f\"}"));

        FusionResult r = fusion(1).ask(ask());

        assertThat(judgeRequests()).isOne();
        JsonNode judge = judgeRequest();
        JsonNode schema = judge.path("response_format").path("json_schema").path("schema");
        assertThat(schema.path("properties").fieldNames()).toIterable().containsExactly("/unit");
        assertThat(judge.path("messages").toString()).doesNotContain("Lyon"); // the outvoted city is settled already
        assertThat(judge.has("tools")).isFalse();
        assertThat(r.decidedBy()).contains(DecidedBy.JUDGED);
        assertThat(r.toolCalls()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("get_weather");
            assertThat(c.arguments()).isEqualTo(tree("{\"city\":\"Paris\",\"unit\":\"f\"}"));
        });
    }

    @Test
    void argumentsWithAMajorityOnEveryFieldAreVotedWithoutAJudge() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"c\"}"));
        replies.put("m2", calls("get_weather", "{\"city\":\"Paris\",\"unit\":\"f\"}"));
        replies.put("m3", calls("get_weather", "{\"city\":\"Lyon\",\"unit\":\"f\"}"));

        FusionResult r = fusion(2).ask(ask());

        assertThat(judgeRequests()).isZero();
        assertThat(r.decidedBy()).contains(DecidedBy.VOTED);
        assertThat(r.toolCalls().get(0).arguments()).isEqualTo(tree("{\"city\":\"Paris\",\"unit\":\"f\"}"));
    }

    @Test
    void aJudgeNamingAToolNotOfferedFailsTypedWithTheProposals() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\"}"));
        replies.put("m2", calls("get_time", "{}"));
        replies.put("m3", text("Sunny."));
        replies.put("judge", calls("delete_everything", "{}"));

        ToolDecisionException e = catchThrowableOfType(ToolDecisionException.class, () -> fusion(2).ask(ask()));

        assertThat(e.errorKind()).isEqualTo("invalid_output");
        assertThat(e.problems()).singleElement().asString().contains("delete_everything", "not offered");
        assertThat(e.proposals()).extracting(CallRecord::memberId).containsExactly("oai:m1", "oai:m2");
        assertThat(e.calls()).filteredOn(c -> c.role() == dev.fusion.CallRole.JUDGE).singleElement()
                .satisfies(c -> assertThat(c.error().type()).isEqualTo("invalid_output"));
    }

    @Test
    void aJudgeGivingInvalidArgumentsFailsTyped() {
        replies.put("m1", calls("get_weather", "{\"city\":\"Paris\"}"));
        replies.put("m2", calls("get_time", "{}"));
        replies.put("m3", text("Sunny."));
        replies.put("judge", calls("get_weather", "{\"unit\":\"kelvin\"}"));

        ToolDecisionException e = catchThrowableOfType(ToolDecisionException.class, () -> fusion(2).ask(ask()));

        assertThat(e.errorKind()).isEqualTo("invalid_output");
        assertThat(e.problems()).singleElement().asString().contains("get_weather", "schema");
    }

    @Test
    void aProposalNamingAToolNotOfferedDoesNotCount() {
        replies.put("m1", calls("rm_rf", "{}"));
        replies.put("m2", calls("get_time", "{}"));
        replies.put("m3", calls("rm_rf", "{}"));

        FusionResult r = fusion(1).ask(ask());

        assertThat(judgeRequests()).isZero();
        assertThat(r.toolCalls()).extracting(ToolCall::name).containsExactly("get_time");
        assertThat(r.notes()).anyMatch(n -> n.contains("oai:m1's proposal is left out") && n.contains("not offered"));
    }

    static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
