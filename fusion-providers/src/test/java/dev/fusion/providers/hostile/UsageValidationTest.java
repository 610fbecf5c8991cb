package dev.fusion.providers.hostile;

import dev.fusion.CallError;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reported usage is validated, never trusted blindly: every malformed token count fails the call as
 * a typed malformed answer, a missing usage is <em>unknown</em> (never zero), a non-finite reported
 * cost is ignored, and JSON followed by garbage is malformed. All three wire formats, streamed and
 * not, over real HTTP.
 */
class UsageValidationTest {

    private MockWebServer server;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The input and output count fields of each format's usage. */
    static String usageWithOutput(Wire w, String output) {
        return switch (w) {
            case OPENAI -> "{\"prompt_tokens\":5,\"completion_tokens\":" + output + ",\"total_tokens\":7}";
            case ANTHROPIC -> "{\"input_tokens\":5,\"output_tokens\":" + output + "}";
            case GEMINI -> "{\"promptTokenCount\":5,\"candidatesTokenCount\":" + output + ",\"totalTokenCount\":7}";
        };
    }

    private ChatModel enqueue(Wire w, boolean streamed, String usageFragment) {
        server.enqueue(streamed ? Wire.sse(w.stream(usageFragment)) : Wire.json(200, w.body(usageFragment)));
        return w.model(server.url("/").toString(), "sk-Uj4hG8dL1fS6aQ0wE2rT");
    }

    static Stream<Arguments> formatsAndModes() {
        List<Arguments> a = new ArrayList<>();
        for (Wire w : Wire.values()) {
            a.add(Arguments.of(w, false));
            a.add(Arguments.of(w, true));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} streamed={1}: the documented usage is read")
    @MethodSource("formatsAndModes")
    void documentedUsageIsRead(Wire w, boolean streamed) {
        ModelResponse r = Wire.response(enqueue(w, streamed, w.usage(w.validUsage)), streamed);
        assertThat(r.text()).isEqualTo(Wire.ANSWER);
        assertThat(r.usageReported()).isTrue();
        long expectedOutput = switch (w) {
            case OPENAI -> 10;
            case ANTHROPIC -> 503;
            case GEMINI -> 2;
        };
        assertThat(r.usage().output()).isEqualTo(expectedOutput);
    }

    @ParameterizedTest(name = "{0} streamed={1}: no usage at all is unknown usage, not zero")
    @MethodSource("formatsAndModes")
    void missingUsageIsUnknown(Wire w, boolean streamed) {
        ModelResponse r = Wire.response(enqueue(w, streamed, w.usage(null)), streamed);
        assertThat(r.text()).isEqualTo(Wire.ANSWER);
        assertThat(r.usageReported()).isFalse();
        // And a usage explicitly null is the same.
        ModelResponse n = Wire.response(enqueue(w, streamed, w.usage("null")), streamed);
        assertThat(n.usageReported()).isFalse();
    }

    static Stream<Arguments> badCounts() {
        List<Arguments> a = new ArrayList<>();
        String[][] bad = {
                {"-1", "negative"},
                {"-9223372036854775808", "negative"},
                {"1.5", "not a whole number"},
                {"\"12\"", "a string"},
                {"true", "a boolean"},
                {"{}", "an object"},
                {"9007199254740993", "beyond 2^53"},
                {"18446744073709551617", "beyond 2^53"},
                {"1e30", "beyond 2^53"},
                {"NaN", "not a finite number"},
                {"Infinity", "not a finite number"},
        };
        for (Wire w : Wire.values()) {
            for (boolean streamed : new boolean[] {false, true}) {
                for (String[] b : bad) {
                    a.add(Arguments.of(w, streamed, b[0], b[1]));
                }
            }
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0} streamed={1}: output count {2} is malformed")
    @MethodSource("badCounts")
    void malformedCountsFailTheCall(Wire w, boolean streamed, String value, String why) {
        ProviderException e = Wire.failure(enqueue(w, streamed, w.usage(usageWithOutput(w, value))), streamed);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.getMessage()).contains("token count").contains(why).contains("[h:test-model]");
        assertThat(CallError.of(e).type()).isEqualTo("malformed_response");
    }

    @ParameterizedTest(name = "{0} streamed={1}: a usage that is not an object is malformed")
    @MethodSource("formatsAndModes")
    void usageOfTheWrongTypeIsMalformed(Wire w, boolean streamed) {
        ProviderException e = Wire.failure(enqueue(w, streamed, w.usage("\"lots\"")), streamed);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.getMessage()).contains("usage is a string, not an object");
    }

    @ParameterizedTest(name = "{0} streamed={1}: 12.0 is a whole number and absent counts are 0")
    @MethodSource("formatsAndModes")
    void integralDecimalsAndAbsentCountsAreFine(Wire w, boolean streamed) {
        ModelResponse r = Wire.response(enqueue(w, streamed, w.usage(usageWithOutput(w, "12.0"))), streamed);
        assertThat(r.usage().output()).isEqualTo(12);
        String inputOnly = switch (w) {
            case OPENAI -> "{\"prompt_tokens\":5}";
            case ANTHROPIC -> "{\"input_tokens\":5}";
            case GEMINI -> "{\"promptTokenCount\":5,\"totalTokenCount\":5}"; // Gemini omits zero counts
        };
        ModelResponse z = Wire.response(enqueue(w, streamed, w.usage(inputOnly)), streamed);
        assertThat(z.usageReported()).isTrue();
        assertThat(z.usage().input()).isEqualTo(5);
        assertThat(z.usage().output()).isZero();
    }

    @ParameterizedTest(name = "{0}: JSON followed by garbage is malformed, trailing whitespace is not")
    @MethodSource("formats")
    void trailingGarbageIsMalformed(Wire w) {
        String body = w.body(w.usage(w.validUsage));
        server.enqueue(Wire.json(200, body + " \n\t"));
        ChatModel m = w.model(server.url("/").toString(), "sk-Uj4hG8dL1fS6aQ0wE2rT");
        assertThat(Wire.response(m, false).text()).isEqualTo(Wire.ANSWER);
        for (String garbage : new String[] {"x", "{}", "]", "<html>"}) {
            server.enqueue(Wire.json(200, body + "\n" + garbage));
            ProviderException e = Wire.failure(m, false);
            assertThat(e.kind()).as(garbage).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
            assertThat(e.getMessage()).contains("not valid JSON");
        }
    }

    static Stream<Wire> formats() {
        return Stream.of(Wire.values());
    }

    @Test
    void reportedCostIsExactIgnoredWhenNotFiniteAndPassedThroughWhenNegative() {
        String[][] cases = {
                {"0.000123", "0.000123"},
                {"\"0.5\"", "0.5"},
                {"-0.25", "-0.25"},
                {"NaN", null},
                {"Infinity", null},
                {"-Infinity", null},
                {"\"NaN\"", null},
                {"\"free\"", null},
                {"1e400", null},
                {"true", null},
        };
        for (boolean streamed : new boolean[] {false, true}) {
            for (String[] c : cases) {
                String usage = "{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,\"cost\":" + c[0] + "}";
                ModelResponse r = Wire.response(enqueue(Wire.OPENAI, streamed, Wire.OPENAI.usage(usage)), streamed);
                assertThat(r.usageReported()).isTrue();
                if (c[1] == null) {
                    assertThat(r.reportedCostUsd()).as("cost %s streamed=%s", c[0], streamed).isNull();
                } else {
                    assertThat(r.reportedCostUsd()).as("cost %s", c[0]).isEqualByComparingTo(new BigDecimal(c[1]));
                }
                assertThat(r.usage().output()).isEqualTo(2);
            }
        }
    }
}
