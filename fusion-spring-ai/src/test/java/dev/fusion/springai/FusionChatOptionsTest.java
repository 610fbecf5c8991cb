package dev.fusion.springai;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.support.ToolCallbacks;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.annotation.Tool;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link FusionChatOptions} behaves as Spring AI's option builders do: copy, combine, clone. */
class FusionChatOptionsTest {

    static final class Clock {
        @Tool(description = "The time")
        String now() {
            return "12:00";
        }
    }

    private static final List<ToolCallback> TOOLS = List.of(ToolCallbacks.from(new Clock()));

    @Test
    void mutateKeepsEveryOptionAndTheCopyIsIndependent() {
        FusionChatOptions o = FusionChatOptions.builder().model("fusion").temperature(0.3).maxTokens(200)
                .toolCallbacks(TOOLS).toolContext(Map.of("user", "ada")).outputSchema("{\"type\":\"object\"}").build();

        FusionChatOptions copy = o.mutate().temperature(0.9).build();

        assertThat(o.mutate().build()).isEqualTo(o);
        assertThat(copy.getTemperature()).isEqualTo(0.9);
        assertThat(o.getTemperature()).isEqualTo(0.3);
        assertThat(copy.getMaxTokens()).isEqualTo(200);
        assertThat(copy.getToolCallbacks()).extracting(t -> t.getToolDefinition().name()).containsExactly("now");
        assertThat(copy.getToolContext()).containsEntry("user", "ada");
        assertThat(copy.getOutputSchema()).isEqualTo("{\"type\":\"object\"}");
        assertThat(o).isInstanceOf(ToolCallingChatOptions.class).isInstanceOf(StructuredOutputChatOptions.class);
    }

    @Test
    void combineWithTakesWhatTheOtherBuilderSetsFromEveryKindOfBuilder() {
        FusionChatOptions.Builder base = FusionChatOptions.builder().model("fusion").temperature(0.3);

        base.combineWith(ToolCallingChatOptions.builder().toolCallbacks(TOOLS).maxTokens(50));
        base.combineWith(StructuredOutputChatOptions.builder().outputSchema("{\"type\":\"string\"}"));
        base.combineWith(ChatOptions.builder().temperature(0.7));
        FusionChatOptions combined = base.build();

        assertThat(combined.getModel()).isEqualTo("fusion");
        assertThat(combined.getTemperature()).isEqualTo(0.7);
        assertThat(combined.getMaxTokens()).isEqualTo(50);
        assertThat(combined.getToolCallbacks()).hasSize(1);
        assertThat(combined.getOutputSchema()).isEqualTo("{\"type\":\"string\"}");
        assertThat(base.clone().build()).isEqualTo(combined);
    }
}
