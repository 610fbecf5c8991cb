package dev.fusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolSpec;
import dev.fusion.structured.StructuredSchema;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Over random proposals (valid and invalid calls, final answers, parallel calls in any order) and a judge
 * that decides at random (sometimes a tool not offered, sometimes invalid arguments, sometimes garbage for a
 * dispute), a fused tool step either decides calls that each name an offered tool with schema-valid
 * arguments, or fails typed ({@link ToolDecisionException}, {@code invalid_output}) with every proposal in
 * its records. Seeded, so a failure is reproducible from the printed seed.
 */
class ToolDecisionPropertyTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ToolSpec WEATHER = ToolSpec.of("get_weather", "",
            "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]}},"
                    + "\"required\":[\"city\"],\"additionalProperties\":false}");
    static final ToolSpec TIME = new ToolSpec("get_time", "", null);
    static final Map<String, StructuredSchema> SCHEMAS = Map.of("get_weather", StructuredSchema.of(WEATHER.parameters()),
            "get_time", StructuredSchema.of(TIME.parameters()));

    @Test
    void everyDecisionNamesAnOfferedToolWithSchemaValidArguments() {
        long base = 0x7001L;
        int decided = 0, failedTyped = 0, judged = 0;
        for (int i = 0; i < 150; i++) {
            long seed = base + i;
            Random rnd = new Random(seed);
            List<FakeModel> members = new ArrayList<>();
            for (int m = 0; m < 3; m++) {
                ModelResponse proposal = proposal(rnd, m);
                members.add(FakeModel.responding("fake:m" + m, r -> proposal));
            }
            Random judgeRnd = new Random(seed * 31);
            FakeModel judge = FakeModel.responding("fake:judge", r -> judgeReply(judgeRnd, r));
            Fusion fusion = Fusion.builder().panel(members.get(0), members.get(1), members.get(2)).judge(judge)
                    .quorum(1 + rnd.nextInt(3)).retry(RetryPolicy.NONE).judgeRetry(RetryPolicy.NONE).build();
            FusionRequest ask = FusionRequest.builder().prompt("Weather in Paris, and the time?").tools(WEATHER, TIME).build();
            try {
                FusionResult r = fusion.ask(ask);
                for (ToolCall c : r.toolCalls()) {
                    assertThat(SCHEMAS).as("seed %d: %s", seed, c).containsKey(c.name());
                    assertThat(SCHEMAS.get(c.name()).validate(c.arguments())).as("seed %d: %s", seed, c.argumentsJson()).isEmpty();
                }
                assertThat(r.decidedBy()).as("seed %d", seed).isPresent();
                assertThat(r.finishReason()).isEqualTo(r.toolCalls().isEmpty() ? "stop" : "tool_calls");
                decided++;
                if (r.decidedBy().get() == DecidedBy.JUDGED) {
                    judged++;
                }
            } catch (ToolDecisionException e) {
                assertThat(e.errorKind()).isEqualTo("invalid_output");
                assertThat(e.calls()).as("seed %d", seed).filteredOn(c -> c.role() == CallRole.PANEL).hasSize(3);
                failedTyped++;
            } catch (JudgeFailedException e) {
                // the judge's final text was refused by nothing here; a judge failure is not this property's concern
                fail("seed " + seed + ": unexpected judge failure " + e.getMessage());
            }
        }
        // the generator reaches every path: decisions with and without the judge, and typed failures
        assertThat(decided).isGreaterThan(30);
        assertThat(judged).isGreaterThan(5);
        assertThat(failedTyped).isGreaterThan(5);
    }

    private static ModelResponse proposal(Random rnd, int member) {
        int kind = rnd.nextInt(6);
        if (kind == 0) {
            return ModelResponse.of("It is sunny in Paris.", Usage.of(100, 20));
        }
        List<ToolCall> calls = new ArrayList<>();
        int n = 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            calls.add(randomCall(rnd, member + "_" + i));
        }
        return ModelResponse.of("", Usage.of(100, 20)).withToolCalls(calls);
    }

    private static ToolCall randomCall(Random rnd, String id) {
        int pick = rnd.nextInt(10);
        if (pick == 0) {
            return new ToolCall("c" + id, "rm_rf", "{}");
        }
        if (pick <= 3) {
            return new ToolCall("c" + id, "get_time", rnd.nextBoolean() ? "{}" : "");
        }
        ObjectNode args = JSON.createObjectNode();
        if (rnd.nextInt(8) != 0) {
            args.put("city", rnd.nextBoolean() ? "Paris" : "Lyon");
        }
        int unit = rnd.nextInt(4);
        if (unit > 0) {
            args.put("unit", unit == 1 ? "c" : unit == 2 ? "f" : rnd.nextInt(3) == 0 ? "kelvin" : "c");
        }
        return new ToolCall("c" + id, "get_weather", args.toString());
    }

    /** Decides at random: valid or invalid calls, a final answer, or for a dispute a valid or broken settlement. */
    private static ModelResponse judgeReply(Random rnd, ModelRequest r) {
        if (r.responseFormat() != null && r.responseFormat().schema() != null) {
            if (rnd.nextInt(4) == 0) {
                return ModelResponse.of("not json", Usage.of(200, 10));
            }
            JsonNode schema = r.responseFormat().schema();
            ObjectNode choice = JSON.createObjectNode();
            Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode options = e.getValue().path("enum");
                choice.set(e.getKey(), options.size() == 0 ? JSON.getNodeFactory().nullNode() : options.get(rnd.nextInt(options.size())));
            }
            return ModelResponse.of(choice.toString(), Usage.of(200, 10));
        }
        if (r.tools().isEmpty() || rnd.nextInt(5) == 0) {
            return ModelResponse.of("Final: sunny.", Usage.of(200, 10));
        }
        List<ToolCall> calls = new ArrayList<>();
        int n = 1 + rnd.nextInt(2);
        for (int i = 0; i < n; i++) {
            calls.add(randomCall(rnd, "j" + i));
        }
        return ModelResponse.of("", Usage.of(200, 10)).withToolCalls(calls);
    }
}
