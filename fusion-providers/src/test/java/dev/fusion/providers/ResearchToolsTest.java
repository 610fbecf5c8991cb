package dev.fusion.providers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.BudgetExceededException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.CallStep;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.model.ToolSpec;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Research tools run by the library inside panel calls, over real HTTP (an OpenAI-compatible server that
 * answers each request by what it carries): the member loop's step bound, a throwing tool, the ledger
 * against the server's usage, the events, and a loop cut short by the budget.
 */
class ResearchToolsTest {

    @StartStop
    final MockWebServer server = new MockWebServer();

    static final ObjectMapper JSON = new ObjectMapper();
    static final ToolSpec SEARCH = ToolSpec.of("search", "Searches the notes",
            "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}},\"required\":[\"q\"]}");
    static final Price PRICE = Price.of("1", "2");

    /** Every request the server saw, parsed, with the usage it answered. */
    final ConcurrentLinkedQueue<JsonNode> bodies = new ConcurrentLinkedQueue<>();
    final AtomicInteger promptTokens = new AtomicInteger();
    final AtomicInteger completionTokens = new AtomicInteger();

    /** The server: the judge answers text; a member answers {@code member.apply(body)}. */
    private Providers serve(Function<JsonNode, String> member) {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                JsonNode body;
                try {
                    body = JSON.readTree(TestSupport.body(r));
                } catch (Exception e) {
                    return json(400, "{}");
                }
                bodies.add(body);
                if (body.path("stream").asBoolean()) { // the judge of a stream() ask
                    promptTokens.addAndGet(70);
                    completionTokens.addAndGet(5);
                    return TestSupport.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"the judged answer\"}}]}\n\n"
                            + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
                            + "\"usage\":{\"prompt_tokens\":70,\"completion_tokens\":5}}\n\ndata: [DONE]\n\n");
                }
                String reply = body.path("model").asText().equals("judge") ? text("the judged answer", 70, 5)
                        : member.apply(body);
                JsonNode usage = tree(reply).path("usage");
                promptTokens.addAndGet(usage.path("prompt_tokens").asInt());
                completionTokens.addAndGet(usage.path("completion_tokens").asInt());
                return json(200, reply);
            }
        });
        return TestSupport.providers(server, null, null);
    }

    static JsonNode tree(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String search(String q, int step) {
        return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
                + "{\"id\":\"call_" + step + "\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":"
                + JSON.valueToTree("{\"q\":\"" + q + "\"}") + "}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":" + (40 + step) + ",\"completion_tokens\":" + (10 + step) + "}}";
    }

    static String text(String answer, int prompt, int completion) {
        return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + JSON.valueToTree(answer)
                + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":"
                + completion + "}}";
    }

    /** How many tool results the request carries so far (its step is that plus one). */
    static int toolMessages(JsonNode body) {
        int n = 0;
        for (JsonNode m : body.path("messages")) {
            if (m.path("role").asText().equals("tool")) {
                n++;
            }
        }
        return n;
    }

    /** A member that searches until it is told not to call tools. */
    static String searchUntilToldToAnswer(JsonNode body) {
        int step = toolMessages(body) + 1;
        if (body.path("tool_choice").asText().equals("none")) {
            return text("answer after " + (step - 1) + " searches", 60, 7);
        }
        return search("step " + step, step);
    }

    private Fusion.Builder fusion(Providers p) {
        return Fusion.builder().panelStreaming(false)
                .panel(p.model("oai:m1"), p.model("oai:m2")).judge(p.model("oai:judge"))
                .price("oai:m1", PRICE).price("oai:m2", PRICE).price("oai:judge", PRICE)
                .retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE);
    }

    @Test
    void theMemberLoopStopsAtItsStepBoundAndTheLastStepIsAskedToAnswer() {
        Providers p = serve(ResearchToolsTest::searchUntilToldToAnswer);
        AtomicInteger runs = new AtomicInteger();
        Fusion f = fusion(p).researchTool(SEARCH, call -> "result " + runs.incrementAndGet() + " for "
                + call.arguments().path("q").asText()).researchMaxSteps(3).build();

        FusionResult r = f.ask(FusionRequest.of("What do the notes say?"));

        assertThat(r.answer()).isEqualTo("the judged answer");
        for (String m : List.of("oai:m1", "oai:m2")) {
            List<CallRecord> own = r.panel().stream().filter(c -> c.memberId().equals(m)).toList();
            assertThat(own).extracting(CallRecord::step).containsExactly("research", "research", "answer");
            assertThat(own.get(0).toolCalls()).singleElement().satisfies(c -> assertThat(c.name()).isEqualTo("search"));
            assertThat(own.get(0).toolResults()).singleElement().satisfies(t -> {
                assertThat(t.content()).startsWith("result ").endsWith("for step 1");
                assertThat(t.error()).isFalse();
            });
            assertThat(own.get(2).text()).isEqualTo("answer after 2 searches");
            assertThat(own).allSatisfy(c -> assertThat(c.callStep()).isPresent());
        }
        assertThat(runs.get()).isEqualTo(4); // two tool runs per member, none at the last step
        List<JsonNode> m1 = bodies.stream().filter(b -> b.path("model").asText().equals("m1")).toList();
        assertThat(m1).hasSize(3);
        assertThat(m1.get(0).path("tools")).singleElement()
                .satisfies(t -> assertThat(t.path("function").path("name").asText()).isEqualTo("search"));
        assertThat(m1.get(2).path("tool_choice").asText()).isEqualTo("none");
        // the judge saw each member's final answer only
        JsonNode judge = bodies.stream().filter(b -> b.path("model").asText().equals("judge")).findFirst().orElseThrow();
        assertThat(judge.toString()).contains("answer after 2 searches").doesNotContain("result 1 for");
        assertThat(CallStep.fromWireName("research")).contains(CallStep.RESEARCH);
        // the JSON form carries each research step's calls and result excerpts
        JsonNode json = tree(dev.fusion.ResultJson.toJson(r));
        JsonNode first = json.path("calls").get(0);
        assertThat(first.path("step").asText()).isEqualTo("research");
        assertThat(first.path("toolCalls").get(0).path("name").asText()).isEqualTo("search");
        assertThat(first.path("toolResults").get(0).path("excerpt").asText()).startsWith("result ");
        assertThat(first.path("toolResults").get(0).path("error").asBoolean()).isFalse();
    }

    @Test
    void aStreamingPanelRunsTheSameLoopWithArgumentsSplitOverDeltas() {
        Providers p = serve(body -> { throw new IllegalStateException("members stream here"); });
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                JsonNode body = tree(TestSupport.body(r));
                bodies.add(body);
                String model = body.path("model").asText();
                if (model.equals("judge") || toolMessages(body) > 0) {
                    String answer = model.equals("judge") ? "the judged answer" : "found it";
                    return body.path("stream").asBoolean() ? TestSupport.sse("data: {\"choices\":[{\"index\":0,\"delta\":"
                            + "{\"content\":\"" + answer + "\"}}]}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":60,\"completion_tokens\":7}}\n\n"
                            + "data: [DONE]\n\n") : json(200, text(answer, 60, 7));
                }
                return TestSupport.sse("data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":"
                        + "[{\"index\":0,\"id\":\"call_s\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"q\"}}]}}]}\n\n"
                        + "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
                        + "\"\\\":\\\"split\\\"}\"}}]}}]}\n\n"
                        + "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}],"
                        + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":11}}\n\ndata: [DONE]\n\n");
            }
        });
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        Fusion f = Fusion.builder().panelStreaming(true).panel(p.model("oai:m1"), p.model("oai:m2"))
                .judge(p.model("oai:judge")).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE)
                .researchTool(SEARCH, call -> {
                    asked.add(call.arguments().path("q").asText());
                    return "the notes";
                }).build();

        FusionResult r = f.ask(FusionRequest.of("q"));

        assertThat(asked).containsExactly("split", "split");
        assertThat(r.panel()).extracting(CallRecord::step).containsExactly("research", "answer", "research", "answer");
        assertThat(r.panel().get(0).usage().promptTokens()).isEqualTo(41);
        assertThat(r.panel().get(1).text()).isEqualTo("found it");
    }

    @Test
    void aThrowingToolBecomesAnErrorResultAndTheAskGoesOn() {
        Providers p = serve(body -> toolMessages(body) == 0 ? search("boom", 1) : text("the tool failed: "
                + body.path("messages").get(body.path("messages").size() - 1).path("content").asText(), 60, 7));
        Fusion f = fusion(p).researchTool(SEARCH, call -> {
            throw new IllegalStateException("index offline");
        }).build();

        List<FusionEvent> events = f.stream(FusionRequest.of("q")).collectList().block();
        FusionResult r = ((FusionEvent.Completed) events.get(events.size() - 1)).result();

        CallRecord step = r.panel().get(0);
        assertThat(step.step()).isEqualTo("research");
        assertThat(step.toolResults()).singleElement().satisfies(t -> {
            assertThat(t.error()).isTrue();
            assertThat(t.content()).contains("index offline");
        });
        assertThat(r.panel().get(1).text()).startsWith("the tool failed: Error: ").contains("index offline");
        assertThat(r.panel()).allSatisfy(c -> assertThat(c.status()).isEqualTo(CallStatus.OK));
        List<FusionEvent.MemberToolCall> calls = events.stream()
                .filter(e -> e instanceof FusionEvent.MemberToolCall).map(e -> (FusionEvent.MemberToolCall) e).toList();
        assertThat(calls).hasSize(2).allSatisfy(e -> {
            assertThat(e.error()).isTrue();
            assertThat(e.call().name()).isEqualTo("search");
            assertThat(e.resultChars()).isEqualTo("IllegalStateException: index offline".length());
            assertThat(e.record().step()).isEqualTo("research");
        });
        assertThat(calls).extracting(FusionEvent.MemberToolCall::memberId).containsExactlyInAnyOrder("oai:m1", "oai:m2");
    }

    @Test
    void theLedgerSumsEqualTheServersUsageOfEveryStep() {
        Providers p = serve(ResearchToolsTest::searchUntilToldToAnswer);
        Fusion f = fusion(p).researchTool(SEARCH, call -> "x".repeat(50_000)).researchMaxSteps(4)
                .researchResultMaxChars(1000).spendCapUsd(new BigDecimal("10"), null).build();

        FusionResult r = f.ask(FusionRequest.of("q"));

        long prompt = r.calls().stream().mapToLong(c -> c.usage().promptTokens()).sum();
        long completion = r.calls().stream().mapToLong(c -> c.usage().completionTokens()).sum();
        assertThat(prompt).isEqualTo(promptTokens.get());
        assertThat(completion).isEqualTo(completionTokens.get());
        assertThat(r.calls()).hasSize(2 * 4 + 1);
        BigDecimal expected = new BigDecimal(promptTokens.get()).add(new BigDecimal(completionTokens.get()).multiply(new BigDecimal(2)))
                .divide(new BigDecimal(1_000_000));
        assertThat(r.totalCostUsd()).isEqualByComparingTo(expected);
        assertThat(f.spentUsd()).isEqualByComparingTo(expected);
        // the result-size bound: what reached the member is cut, the record keeps an excerpt
        JsonNode second = bodies.stream().filter(b -> b.path("model").asText().equals("m1") && toolMessages(b) == 1)
                .findFirst().orElseThrow();
        String sent = second.path("messages").get(second.path("messages").size() - 1).path("content").asText();
        assertThat(sent).startsWith("x".repeat(1000)).contains("[truncated: 1000 of 50000 characters]").hasSizeLessThan(1100);
        assertThat(r.panel().get(0).toolResults().get(0).content().length()).isLessThanOrEqualTo(513);
    }

    @Test
    void aStepThatWouldPassTheBudgetIsNotStartedAndTheMemberAnswersWithWhatItHas() {
        // Each member step says something and calls the tool again: the budget lets the plan run and
        // little more, so the loop ends before its bound and the last step's text is the member's answer.
        Providers p = serve(body -> {
            int step = toolMessages(body) + 1;
            return "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"draft " + step
                    + "\",\"tool_calls\":[{\"id\":\"c" + step + "\",\"type\":\"function\",\"function\":{\"name\":\"search\","
                    + "\"arguments\":\"{\\\"q\\\":\\\"a\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
                    + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":10}}";
        });
        Fusion probe = fusion(p).researchTool(SEARCH, call -> "r").maxOutputTokens(100).judgeMaxOutputTokens(100).build();
        BigDecimal plan = probe.plan(FusionRequest.builder().prompt("q").budgetUsd(BigDecimal.ONE).build()).reservedUsd();
        Fusion f = fusion(p).researchTool(SEARCH, call -> "r").maxOutputTokens(100).judgeMaxOutputTokens(100)
                .researchMaxSteps(16).build();

        // room for the plan and a little more than one further step per member
        FusionResult r = f.ask(FusionRequest.builder().prompt("q").budgetUsd(plan.add(new BigDecimal("0.0005"))).build());

        long research = r.panel().stream().filter(c -> c.step().equals("research")).count();
        assertThat(research).isBetween(2L, 6L);
        assertThat(r.panel().stream().filter(c -> c.step().equals("answer")))
                .hasSize(2).allSatisfy(c -> {
                    assertThat(c.status()).isEqualTo(CallStatus.OK);
                    assertThat(c.text()).startsWith("draft ");
                });
        assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("research loop ended after").contains("does not fit the budget"));
        assertThat(r.totalCostUsd()).isLessThanOrEqualTo(plan.add(new BigDecimal("0.0005")));
    }

    @Test
    void theStepBoundIsValidated() {
        Providers p = serve(ResearchToolsTest::searchUntilToldToAnswer);
        assertThatThrownBy(() -> fusion(p).researchTool(SEARCH, c -> "").researchMaxSteps(17).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("between 1 and 16");
        assertThatThrownBy(() -> fusion(p).researchTool(SEARCH, c -> "").researchMaxSteps(0).build())
                .isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> fusion(p).researchTool(SEARCH, c -> "").researchTool(SEARCH, c -> ""))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("twice");
        assertThat(BudgetExceededException.class).isNotNull();
    }
}
