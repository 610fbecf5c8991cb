package dev.fusion.providers;

import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.RetryPolicy;
import dev.fusion.model.Effort;
import dev.fusion.model.Reasoning;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.fusion.providers.TestSupport.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A request a member's provider cannot take (a token reasoning budget where only effort levels are
 * accepted, a thinking budget out of Anthropic's range, a colliding extra body field) fails the ask
 * with a typed configuration error naming the member and the fix, before any request reaches a server.
 */
class UnfitRequestBeforeAnyCallTest {

    @StartStop
    final MockWebServer openai = new MockWebServer();
    @StartStop
    final MockWebServer anthropic = new MockWebServer();

    private Fusion.Builder fusion(Member openAiMember) {
        Providers providers = TestSupport.providers(openai, anthropic, null);
        for (int i = 0; i < 4; i++) { // would answer, were anything sent
            openai.enqueue(json(200, StructuredWireTest.OPENAI_OK));
            anthropic.enqueue(json(200, StructuredWireTest.ANTHROPIC_OK));
        }
        return Fusion.builder().panelStreaming(false)
                .member(openAiMember)
                .member(Member.of(providers.model("ant:claude-sonnet-4-5")))
                .judge(providers.model("oai:judge-model"))
                .quorum(1).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE);
    }

    private Member openAi() {
        return Member.of(TestSupport.providers(openai, anthropic, null).model("oai:gpt-4o"));
    }

    private void assertNothingSent() {
        assertThat(openai.getRequestCount()).as("requests to the OpenAI server").isZero();
        assertThat(anthropic.getRequestCount()).as("requests to the Anthropic server").isZero();
    }

    @Test
    void aRequestTokenBudgetForAnEffortOnlyProviderFailsBeforeAnyCall() {
        Fusion f = fusion(openAi()).build();
        FusionRequest request = FusionRequest.builder().prompt("Think hard").reasoningTokens(2048).maxOutputTokens(4096).build();
        assertThatThrownBy(() -> f.ask(request)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel member 'oai:gpt-4o'")
                .hasMessageContaining("not a token budget")
                .hasMessageContaining("the setting is the request's")
                .hasMessageContaining("Member.withReasoning(Effort)");
        assertThatThrownBy(() -> f.stream(request).blockLast()).isInstanceOf(InvalidConfigurationException.class);
        assertThatThrownBy(() -> f.plan(request)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("oai:gpt-4o");
        assertNothingSent();
    }

    @Test
    void aMembersOwnTokenBudgetNamesTheMemberAsTheSource() {
        Fusion f = fusion(openAi().withReasoning(Reasoning.tokens(1500))).build();
        assertThatThrownBy(() -> f.ask(FusionRequest.builder().prompt("q").maxOutputTokens(4096).build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel member 'oai:gpt-4o'")
                .hasMessageContaining("the setting is the member's own")
                .hasMessageContaining("reasoning: under its panel entry");
        assertNothingSent();
    }

    @Test
    void anEffortForTheOpenAiMemberAndABudgetForClaudeIsFine() throws Exception {
        Fusion f = fusion(openAi().withReasoning(Effort.LOW)).build();
        assertThat(f.ask(FusionRequest.builder().prompt("q").reasoningTokens(2048).maxOutputTokens(4096).build()).answer())
                .isNotBlank();
        assertThat(openai.getRequestCount()).isPositive();
        assertThat(anthropic.getRequestCount()).isEqualTo(1);
    }

    @Test
    void aThinkingBudgetAboveTheOutputLimitFailsBeforeAnyCall() {
        Fusion f = fusion(openAi().withReasoning(Effort.HIGH)).build();
        assertThatThrownBy(() -> f.ask(FusionRequest.builder().prompt("q").reasoningTokens(8000).maxOutputTokens(4096).build()))
                .isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel member 'ant:claude-sonnet-4-5'")
                .hasMessageContaining("raise maxOutputTokens or lower the budget");
        assertNothingSent();
    }

    @Test
    void aCollidingExtraBodyFieldFailsBeforeAnyCallWithoutAReasoningHint() {
        Fusion f = fusion(openAi().withExtraBody(Map.of("max_tokens", 5))).build();
        assertThatThrownBy(() -> f.ask("q")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("panel member 'oai:gpt-4o'")
                .hasMessageContaining("extra body field 'max_tokens'")
                .hasMessageNotContaining("the setting is");
        assertNothingSent();
    }
}
