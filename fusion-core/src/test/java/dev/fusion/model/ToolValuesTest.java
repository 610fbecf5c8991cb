package dev.fusion.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The tool values of the model layer: validated when built, immutable, and placed only where they belong. */
class ToolValuesTest {

    @Test
    void toolNamesFollowWhatEveryWireFormatAccepts() {
        assertThat(new ToolSpec("get_weather-2", "d", null).name()).isEqualTo("get_weather-2");
        assertThat(new ToolSpec("_x", null, null).description()).isEmpty();
        for (String bad : new String[]{"", "1abc", "has space", "dot.name", "a".repeat(65), "ünïcode"}) {
            assertThatThrownBy(() -> new ToolSpec(bad, "d", null)).as(bad).isInstanceOf(InvalidConfigurationException.class);
        }
        assertThat(new ToolSpec("a".repeat(64), "", null).name()).hasSize(64);
    }

    @Test
    void theSchemaIsAnObjectSchemaCopiedInAndOut() throws Exception {
        ObjectNode schema = (ObjectNode) new ObjectMapper().readTree("{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}");
        ToolSpec t = new ToolSpec("search", "find", schema);
        schema.put("type", "array");
        assertThat(t.parameters().get("type").asText()).isEqualTo("object");
        ((ObjectNode) t.parameters()).put("x", 1);
        assertThat(t.parameters().has("x")).isFalse();
        assertThat(new ToolSpec("none", "", null).parameters().toString()).isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThatThrownBy(() -> ToolSpec.of("t", "", "{\"type\":\"string\"}")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("object schema");
        assertThatThrownBy(() -> ToolSpec.of("t", "", "[1]")).isInstanceOf(InvalidConfigurationException.class);
    }

    @Test
    void callsParseTheirArgumentsAndToolPartsGoOnlyWhereTheyBelong() {
        ToolCall c = new ToolCall("call_1", "search", "{\"q\":\"x\"}");
        assertThat(c.arguments().get("q").asText()).isEqualTo("x");
        assertThat(c.hasObjectArguments()).isTrue();
        assertThat(new ToolCall("id", "t", "").argumentsJson()).isEqualTo("{}");
        assertThat(new ToolCall("id", "t", "{oops").hasObjectArguments()).isFalse();
        assertThatThrownBy(() -> new ToolCall("id", "t", "{oops").arguments()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new ToolCall(" ", "t", "{}")).isInstanceOf(IllegalArgumentException.class);

        ChatMessage turn = ChatMessage.assistant("", List.of(c));
        assertThat(turn.toolCalls()).containsExactly(c);
        assertThat(turn.content()).isEmpty();
        assertThat(turn.hasImages()).isFalse();
        assertThat(turn.hasToolParts()).isTrue();
        ChatMessage results = ChatMessage.toolResults(List.of(ToolResult.error(c, "boom")));
        assertThat(results.toolResults()).singleElement().satisfies(r -> {
            assertThat(r.error()).isTrue();
            assertThat(r.callId()).isEqualTo("call_1");
            assertThat(r.name()).isEqualTo("search");
        });
        assertThatThrownBy(() -> new ChatMessage(MessageRole.USER, List.of(c))).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> new ChatMessage(MessageRole.ASSISTANT, List.of(ToolResult.of(c, "x"))))
                .isInstanceOf(InvalidConfigurationException.class);
        assertThat(c.toString()).doesNotContain("\"q\"");
    }

    @Test
    void requestsCheckTheirToolsAndChoice() {
        ToolSpec a = new ToolSpec("a", "", null);
        ModelRequest.Builder b = ModelRequest.builder().user("hi");
        assertThat(b.tools(List.of(a)).toolChoice(ToolChoice.named("a")).build().tool("a")).isEqualTo(a);
        assertThatThrownBy(() -> b.tools(List.of(a, new ToolSpec("a", "other", null))).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("unique");
        assertThatThrownBy(() -> b.tools(List.of(a)).toolChoice(ToolChoice.named("b")).build())
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not among");
        assertThatThrownBy(() -> b.tools(List.of()).toolChoice(ToolChoice.required()).build())
                .isInstanceOf(InvalidConfigurationException.class);
        ModelRequest r = b.tools(List.of(a)).toolChoice(ToolChoice.auto()).build();
        assertThat(r.toBuilder().build()).isEqualTo(r);
        assertThat(ModelRequest.builder().user("x").build().tools()).isEmpty();
    }

    @Test
    void theDefaultStreamDeliversToolCallsAsDeltas() {
        ToolCall c = new ToolCall("call_9", "a", "{\"n\":1}");
        ChatModel m = new ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("test:m");
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                return Mono.just(ModelResponse.of("", dev.fusion.cost.Usage.of(1, 1)).withToolCalls(List.of(c)));
            }
        };
        List<ModelStreamEvent> events = m.stream(ModelRequest.builder().user("x").build()).collectList().block();
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).isEqualTo(new ModelStreamEvent.ToolCallDelta(0, "call_9", "a", "{\"n\":1}"));
        assertThat(((ModelStreamEvent.Completed) events.get(1)).response().toolCalls()).containsExactly(c);
    }
}
