package dev.fusion.langchain4j;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.Redactor;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ProviderException;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A LangChain4j model holding a key Fusion never built a model with, of a shape no pattern recognises
 * (AWS-style, with {@code /} and {@code +}), read from the environment as an application would: when a
 * 401 echoes it, neither the typed failure nor the ask's call record holds any run of it. The surefire
 * configuration of this module sets the variable.
 */
class ForeignKeyRedactionTest {

    private static final String VARIABLE = "FUSION_TEST_AWS_SECRET_ACCESS_KEY";
    private static final String REFUSED = "sandbox-refused-aws";
    private static String key;
    private static WireServer server;

    @BeforeAll
    static void start() {
        key = System.getenv(VARIABLE);
        assertThat(key).as("%s is set by this module's surefire configuration", VARIABLE)
                .isNotNull().contains("/").contains("+");
        server = WireServer.start(Behaviour.builder()
                .models(Sandbox.behaviour(0))
                .model(REFUSED, Reply.fault(Fault.http(401, "The security token included in the request is invalid: "
                        + key + " (signature for " + key.substring(4, 28) + ")")))
                .build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static LangChain4jModel member(String model) {
        OpenAiChatModel chat = OpenAiChatModel.builder().baseUrl(server.baseUrl(WireFormat.OPENAI))
                .apiKey(System.getenv(VARIABLE)).modelName(model).maxRetries(0).timeout(Duration.ofSeconds(20)).build();
        return LangChain4jModel.of(Sandbox.PROVIDER_OPENAI + ":" + model, chat);
    }

    private static void assertNoRunOfTheKey(String text) {
        for (int i = 0; i + Redactor.RUN <= key.length(); i++) {
            assertThat(text).doesNotContain(key.substring(i, i + Redactor.RUN));
        }
    }

    @Test
    void anEchoedKeyOfAnyShapeReachesNeitherTheFailureNorTheCallRecord() {
        LangChain4jModel refused = member(REFUSED);
        assertThatThrownBy(() -> refused.call(ModelRequest.builder().user("hi").build()).block())
                .isInstanceOfSatisfying(ProviderException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("The security token included in the request is invalid");
                    assertNoRunOfTheKey(e.getMessage());
                    assertNoRunOfTheKey(String.valueOf(e));
                });

        Fusion fusion = Fusion.builder().panel(member(Sandbox.SWIFT), member(REFUSED)).judge(member(Sandbox.JUDGE))
                .quorum(1).retry(RetryPolicy.NONE).priceBook(Sandbox.priceBook()).build();
        FusionResult result = fusion.ask("Why is the sky blue?");
        CallRecord failed = result.failures().stream().filter(c -> c.model().model().equals(REFUSED)).findFirst()
                .orElseThrow();
        assertThat(failed.error().type()).isEqualTo("http_401");
        assertNoRunOfTheKey(failed.error().message());
        assertNoRunOfTheKey(failed.toString());
        assertThat(result.judged()).isTrue();
    }
}
