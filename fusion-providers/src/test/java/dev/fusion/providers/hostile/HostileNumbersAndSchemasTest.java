package dev.fusion.providers.hostile;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.AskFailedException;
import dev.fusion.CallRecord;
import dev.fusion.CallStatus;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.judge.Strategy;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.structured.InvalidAnswerException;
import dev.fusion.structured.StructuredSchema;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Hostile numbers and schemas, over real HTTP on the three wire formats: a member answering a number
 * that takes seconds to check ({@code 1234…e999999} against {@code multipleOf} and {@code integer}) or
 * that cannot be a decimal at all ({@code 9.99e-2147483647}, {@code 1e999999999}) is that member's
 * {@code invalid_output}, at once, and the vote of the good members goes on; a schema whose references
 * form a cycle is refused when it is read; disputed values too large to put to the judge end the vote as
 * a judge failure would, with every record.
 */
class HostileNumbersAndSchemasTest {

    private static final String KEY = "sk-numb3rsK3yQ2wE9rTzzzz";
    private static final String SCHEMA = """
            {"type":"object","properties":{"n":{"type":"integer","multipleOf":7},"note":{"type":"string"}},
             "required":["n"],"additionalProperties":false}""";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<MockWebServer> servers = new ArrayList<>();

    private MockWebServer server() throws IOException {
        MockWebServer s = new MockWebServer();
        s.start();
        servers.add(s);
        return s;
    }

    @AfterEach
    void stop() {
        servers.forEach(MockWebServer::close);
    }

    /** A complete answer of this format whose text is {@code text}. */
    private static String answer(Wire w, String text) throws IOException {
        String quoted = JSON.writeValueAsString(text);
        return w.body(w.usage(w.validUsage)).replace("\"" + Wire.ANSWER + "\"", quoted);
    }

    private static String url(Wire w, MockWebServer s) {
        String u = s.url("/").toString();
        return w.basePath.equals("/v1") ? u + "v1" : u;
    }

    static Stream<Arguments> hostileNumbers() {
        // Seconds to check against multipleOf / integer at e999999; far longer at e9999999.
        String slow = "1234567890".repeat(9) + "e9999999";
        List<Arguments> out = new ArrayList<>();
        for (Wire w : Wire.values()) {
            for (String n : List.of(slow, "9.99e-2147483647", "1e999999999", "-7e2147483648", "7E+0000999999")) {
                out.add(Arguments.of(w, n));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}: a member answering n = {1}")
    @MethodSource("hostileNumbers")
    @Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // without the bounds, the check runs for hours
    void aHostileNumberIsItsMembersInvalidOutputAndTheVoteGoesOn(Wire w, String number) throws Exception {
        MockWebServer bad = server();
        MockWebServer good1 = server();
        MockWebServer good2 = server();
        MockWebServer judge = server();
        String hostile = "{\"n\":" + number + "}";
        bad.enqueue(Wire.json(200, answer(w, hostile)));
        bad.enqueue(Wire.json(200, answer(w, hostile))); // the repair round gets the same
        good1.enqueue(Wire.json(200, answer(w, "{\"n\":14}")));
        good2.enqueue(Wire.json(200, answer(w, "{\"n\": 14}")));
        Providers p = Providers.builder().env(Map.of(Wire.KEY_ENV, KEY))
                .provider("bad", ProviderSpec.of(w.kind, url(w, bad), Wire.KEY_ENV))
                .provider("g1", ProviderSpec.of(w.kind, url(w, good1), Wire.KEY_ENV))
                .provider("g2", ProviderSpec.of(w.kind, url(w, good2), Wire.KEY_ENV))
                .provider("j", ProviderSpec.of(w.kind, url(w, judge), Wire.KEY_ENV)).build();
        Fusion f = Fusion.builder().member(Member.of("bad", p.model("bad:m"))).member(Member.of("g1", p.model("g1:m")))
                .member(Member.of("g2", p.model("g2:m"))).judge(p.model("j:m")).strategy(Strategy.vote())
                .panelStreaming(false).deadline(Duration.ofSeconds(30)).build();
        FusionResult r = f.ask(FusionRequest.builder().prompt("How many days in two weeks?").schema(SCHEMA).build());
        assertThat(r.json().orElseThrow().get("n").asInt()).isEqualTo(14);
        List<CallRecord> badCalls = r.panel().stream().filter(c -> c.memberId().equals("bad")).toList();
        assertThat(badCalls).isNotEmpty().allSatisfy(c -> {
            assertThat(c.status()).isNotEqualTo(CallStatus.TIMEOUT);
            assertThat(c.error()).isNotNull();
            assertThat(c.error().type()).isEqualTo("invalid_output");
        });
        assertThat(judge.getRequestCount()).as("two good members agree: no judge").isZero();
    }

    @Test
    void theNumbersAreRefusedWhenAnAnswerIsRead() {
        StructuredSchema s = StructuredSchema.parse(SCHEMA);
        for (String n : List.of("1234567890".repeat(9) + "e999999", "1234567890".repeat(9) + "e9999999", "9.99e-2147483647", "1e999999999", "1e1001",
                "1" + "0".repeat(250))) {
            Throwable t = catchThrowable(() -> s.readAnswer("{\"n\":" + n + "}"));
            assertThat(t).as(n).isInstanceOf(InvalidAnswerException.class);
        }
        // Large but checkable numbers are read and judged by the schema as usual.
        assertThat(s.readAnswer("{\"n\":7e400}").get("n").decimalValue()).isEqualByComparingTo("7e400");
        assertThatThrownBy(() -> s.readAnswer("{\"n\":1e400}")).isInstanceOf(InvalidAnswerException.class)
                .hasMessageContaining("multiple of 7");
    }

    @Test
    void aSchemaWhoseReferencesFormACycleIsRefusedWhenRead() {
        String[] cyclic = {
                "{\"$ref\":\"#\"}",
                "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}",
                "{\"type\":\"object\",\"allOf\":[{\"$ref\":\"#\"}]}",
                "{\"$defs\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},{\"not\":{\"$ref\":\"#/$defs/a\"}}]}},"
                        + "\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}}}",
        };
        for (String schema : cyclic) {
            assertThatThrownBy(() -> StructuredSchema.parse(schema)).as(schema)
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("cycle");
        }
        // Recursion through the instance is fine: a tree of nodes.
        StructuredSchema tree = StructuredSchema.parse("""
                {"$defs":{"node":{"type":"object","properties":{"children":{"type":"array",
                 "items":{"$ref":"#/$defs/node"}}}}},"$ref":"#/$defs/node"}""");
        assertThat(tree.isValid(JSON.valueToTree(Map.of("children", List.of(Map.of("children", List.of())))))).isTrue();
    }

    @Test
    void disputedValuesTooLargeForTheJudgeEndTheVoteAsAJudgeFailureWithEveryRecord() throws Exception {
        Wire w = Wire.OPENAI;
        String schema = "{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}},\"required\":[\"text\"]}";
        List<MockWebServer> members = new ArrayList<>();
        Providers.Builder pb = Providers.builder().env(Map.of(Wire.KEY_ENV, KEY));
        Fusion.Builder fb = Fusion.builder().strategy(Strategy.vote()).panelStreaming(false)
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).deadline(Duration.ofSeconds(20));
        for (int i = 0; i < 3; i++) {
            MockWebServer s = server();
            members.add(s);
            s.enqueue(Wire.json(200, answer(w, "{\"text\":\"" + String.valueOf((char) ('a' + i)).repeat(60_000) + "\"}")));
            pb.provider("m" + i, ProviderSpec.of(w.kind, url(w, s), Wire.KEY_ENV));
        }
        MockWebServer judge = server();
        pb.provider("j", ProviderSpec.of(w.kind, url(w, judge), Wire.KEY_ENV));
        Providers p = pb.build();
        for (int i = 0; i < 3; i++) {
            fb.member(Member.of("m" + i, p.model("m" + i + ":m")));
        }
        Fusion f = fb.judge(p.model("j:m")).build();
        List<CallRecord> records;
        try {
            FusionResult r = f.ask(FusionRequest.builder().prompt("Write.").schema(schema).build());
            records = r.calls();
            assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("cannot be put to the judge"));
        } catch (AskFailedException e) {
            records = e.calls();
        }
        assertThat(records).extracting(CallRecord::memberId).contains("m0", "m1", "m2");
        assertThat(judge.getRequestCount()).isZero();
    }
}
