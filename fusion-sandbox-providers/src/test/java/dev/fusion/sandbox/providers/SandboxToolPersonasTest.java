package dev.fusion.sandbox.providers;

import dev.fusion.model.ChatMessage;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolResult;
import dev.fusion.model.ToolSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox personas call tools deterministically on all three wire formats, streamed and not, through
 * the real HTTP providers: calculations are unanimous, lookups disputed by the contrarian, the terse persona
 * makes only the first of two parallel calls, and tool results get a text answer.
 */
@Timeout(60)
class SandboxToolPersonasTest {

    static final ToolSpec CALC = ToolSpec.of("calculator", "Evaluates arithmetic",
            "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}");
    static final ToolSpec LOOKUP = ToolSpec.of("lookup", "Looks a term up",
            "{\"type\":\"object\",\"properties\":{\"term\":{\"type\":\"string\"}},\"required\":[\"term\"]}");

    private static ModelRequest ask(String question) {
        return ModelRequest.builder().user(question).maxOutputTokens(400).tools(List.of(CALC, LOOKUP)).build();
    }

    private static ChatModel model(SandboxProviders s, WireFormat f, String persona) {
        return s.providers().model(Sandbox.providerName(f) + ":" + persona);
    }

    @Test
    void everyFormatStreamedOrNotCarriesThePersonasCalls() {
        try (SandboxProviders s = SandboxProviders.start(0, 0.0, Providers.builder().env(Map.of()).build())) {
            for (WireFormat f : WireFormat.values()) {
                for (boolean stream : new boolean[]{false, true}) {
                    ChatModel swift = model(s, f, Sandbox.SWIFT);
                    ModelRequest req = ask("What is 17 * 23 in the currency of Peru?");
                    ModelResponse r = stream ? ChatModel.collect(swift.stream(req)).block(Duration.ofSeconds(10))
                            : swift.call(req).block(Duration.ofSeconds(10));
                    String where = f + (stream ? " streamed" : "");
                    assertThat(r.toolCalls()).as(where).extracting(ToolCall::name).containsExactly("calculator", "lookup");
                    assertThat(r.toolCalls().get(0).arguments().get("expression").asText()).as(where).isEqualTo("17*23");
                    assertThat(r.toolCalls().get(1).arguments().get("term").asText()).as(where).isEqualTo("Peru");
                    assertThat(r.toolCalls()).as(where).allMatch(c -> !c.hasSyntheticId());
                    assertThat(r.usage().output()).as(where).isPositive();
                    if (f == WireFormat.GEMINI) {
                        assertThat(r.toolCalls().get(0).thoughtSignature()).as(where).isNotBlank();
                    }
                    // the next step: results go back on the same format and the persona answers with them
                    List<ChatMessage> next = List.of(ChatMessage.user("What is 17 * 23 in the currency of Peru?"),
                            ChatMessage.assistant(r.text(), r.toolCalls()),
                            ChatMessage.toolResults(List.of(ToolResult.of(r.toolCalls().get(0), "391"),
                                    ToolResult.error(r.toolCalls().get(1), "no such term"))));
                    ModelResponse answer = swift.call(req.toBuilder().messages(next).build()).block(Duration.ofSeconds(10));
                    assertThat(answer.toolCalls()).as(where).isEmpty();
                    assertThat(answer.text()).as(where).contains("391").contains("no such term");
                }
            }
        }
    }

    @Test
    void personasAgreeOnCalculationsAndDisagreeOnLookupsAndParallelCalls() {
        try (SandboxProviders s = SandboxProviders.start(0, 0.0, Providers.builder().env(Map.of()).build())) {
            ModelRequest calc = ask("compute 6 * 7");
            for (String p : List.of(Sandbox.SWIFT, Sandbox.SCHOLAR, Sandbox.CONTRARIAN, Sandbox.TERSE)) {
                ModelResponse r = model(s, Sandbox.persona(p).format(), p).call(calc).block(Duration.ofSeconds(10));
                assertThat(r.toolCalls()).as(p).singleElement().satisfies(c -> {
                    assertThat(c.name()).isEqualTo("calculator");
                    assertThat(c.argumentsJson()).isEqualTo("{\"expression\":\"6*7\"}");
                });
            }
            ModelRequest lookup = ask("Who founded the city of Lisbon?");
            String swift = model(s, WireFormat.OPENAI, Sandbox.SWIFT).call(lookup).block().toolCalls().get(0).argumentsJson();
            String contrarian = model(s, WireFormat.OPENAI, Sandbox.CONTRARIAN).call(lookup).block().toolCalls().get(0).argumentsJson();
            assertThat(swift).isEqualTo("{\"term\":\"Lisbon\"}");
            assertThat(contrarian).isEqualTo("{\"term\":\"founded\"}");
            ModelRequest both = ask("What is 2 + 2 in Oslo?");
            assertThat(model(s, WireFormat.GEMINI, Sandbox.TERSE).call(both).block().toolCalls()).hasSize(1);
            assertThat(model(s, WireFormat.ANTHROPIC, Sandbox.SCHOLAR).call(both).block().toolCalls()).hasSize(2);
            // no tool applies: a text answer as usual
            ModelResponse text = model(s, WireFormat.OPENAI, Sandbox.SWIFT)
                    .call(ModelRequest.builder().user("hello there").tools(List.of(CALC)).build()).block();
            assertThat(text.toolCalls()).isEmpty();
            assertThat(text.text()).isNotBlank().doesNotContain("[sandbox]");
        }
    }

    @Test
    void streamedCallsArriveAsArgumentPieces() {
        try (SandboxProviders s = SandboxProviders.start(0, 0.0, Providers.builder().env(Map.of()).build())) {
            List<ModelStreamEvent> events = model(s, WireFormat.ANTHROPIC, Sandbox.SCHOLAR)
                    .stream(ask("Please look up the history of Kyoto")).collectList().block(Duration.ofSeconds(10));
            long pieces = events.stream().filter(e -> e instanceof ModelStreamEvent.ToolCallDelta d && !d.argumentsDelta().isEmpty()).count();
            assertThat(pieces).isGreaterThan(1);
        }
    }
}
