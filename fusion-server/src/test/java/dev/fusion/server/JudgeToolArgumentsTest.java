package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ToolSpec;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Why the gateway does not forward the judge's tool-call arguments as the judge streams them: they are not the
 * decision until the engine validated them. Here the judge (a real OpenAI-compatible SSE server) streams a call to
 * a tool that was never offered; the engine emits those pieces as {@code JudgeToolCallDelta}s, then finds the
 * decision invalid and fails the ask. Pieces already sent could not be taken back (every SDK appends them to the
 * call), so the client would hold arguments that were never decided. The gateway sends a call's arguments only
 * from the validated decision: the client sees the in-band error and not one piece of the judge's call.
 */
class JudgeToolArgumentsTest {

    static final ObjectMapper M = new ObjectMapper();
    static final String CANARY = "rm -rf CANARY-7f3a";
    static final String CALC = "{\"type\":\"object\",\"properties\":{\"expression\":{\"type\":\"string\"}},\"required\":[\"expression\"]}";
    static final String LOOKUP = "{\"type\":\"object\",\"properties\":{\"subject\":{\"type\":\"string\"}},\"required\":[\"subject\"]}";
    static final String QUESTION = "What is 17 * 23, and who painted the Mona Lisa?";

    /** A judge that streams, in three pieces, a call to {@code shell}, a tool nobody offered. */
    static DisposableServer invalidJudge() {
        String prefix = "data: {\"id\":\"j\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"judge\",\"choices\":[{\"index\":0,\"delta\":";
        String args = "{\\\"command\\\":\\\"" + CANARY + "\\\"}";
        List<String> sse = List.of(
                prefix + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,\"id\":\"call_j\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"shell\",\"arguments\":\"\"}}]},\"finish_reason\":null}]}\n\n",
                prefix + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + args.substring(0, 10) + "\"}}]},\"finish_reason\":null}]}\n\n",
                prefix + "{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"" + args.substring(10) + "\"}}]},\"finish_reason\":null}]}\n\n",
                prefix + "{},\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":12,\"total_tokens\":102}}\n\n",
                "data: [DONE]\n\n");
        return HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> req.receive().then(
                res.header("content-type", "text/event-stream").sendString(Flux.fromIterable(sse)).then())).bindNow(Duration.ofSeconds(10));
    }

    @Test
    void theJudgesStreamedArgumentsReachTheClientOnlyAsTheValidatedDecision() throws Exception {
        DisposableServer judge = invalidJudge();
        Fusion[] strict = new Fusion[1];
        try (SandboxGateway gw = new SandboxGateway(0.0, (sandbox, b) -> {
            Providers p = Providers.fromEnv().with(Map.of("fakejudge",
                    ProviderSpec.keyless(ProviderKind.OPENAI, "http://127.0.0.1:" + judge.port() + "/v1")));
            // quorum 3 of the four sandbox members: they disagree on the calls to make, so the judge decides
            Fusion.Builder f = Fusion.builder().priceBook(sandbox.priceBook()).quorum(3).judgeRetry(RetryPolicy.NONE);
            sandbox.panel().forEach(m -> f.panel(sandbox.model(m)));
            strict[0] = f.judge(p.model("fakejudge:judge")).build();
            b.fusion("strict", strict[0]);
        })) {
            // the engine itself streams the judge's pieces, canary included, before it finds the decision invalid
            List<FusionEvent> events = strict[0].stream(FusionRequest.builder().prompt(QUESTION)
                    .tools(ToolSpec.of("calculator", "", M.readTree(CALC)), ToolSpec.of("lookup", "", M.readTree(LOOKUP))).build())
                    .onErrorResume(e -> Flux.empty()).collectList().block(Duration.ofSeconds(60));
            String pieces = String.join("", events.stream().filter(e -> e instanceof FusionEvent.JudgeToolCallDelta)
                    .map(e -> ((FusionEvent.JudgeToolCallDelta) e).argumentsDelta()).toList());
            assertThat(pieces).as("the engine streams the judge's arguments").contains(CANARY);
            assertThat(events).noneMatch(e -> e instanceof FusionEvent.Completed);

            String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"calculator\",\"parameters\":" + CALC + "}},"
                    + "{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":" + LOOKUP + "}}]";
            HttpResponse<String> r = gw.post("/v1/chat/completions", "{\"model\":\"fusion/strict\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],\"tools\":" + tools + "}");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).as("a judge started").contains(": judge ");
            assertThat(r.body()).doesNotContain("CANARY").doesNotContain("\"tool_calls\"");
            List<JsonNode> data = GatewayToolsTest.dataLines(r.body());
            assertThat(data.get(data.size() - 1).at("/error/code").asText()).isNotBlank();

            String anthropic = gw.post("/v1/messages", "{\"model\":\"fusion/strict\",\"max_tokens\":256,\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"" + QUESTION + "\"}],\"tools\":[{\"name\":\"calculator\","
                    + "\"input_schema\":" + CALC + "},{\"name\":\"lookup\",\"input_schema\":" + LOOKUP + "}]}").body();
            assertThat(anthropic).doesNotContain("CANARY").doesNotContain("input_json_delta").contains("event: error");
        } finally {
            judge.disposeNow(Duration.ofSeconds(5));
        }
    }
}
