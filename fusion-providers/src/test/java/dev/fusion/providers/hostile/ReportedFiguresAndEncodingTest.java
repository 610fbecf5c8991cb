package dev.fusion.providers.hostile;

import dev.fusion.CallRecord;
import dev.fusion.CostFlag;
import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a server reports is believed only when it can be true, over real HTTP: a reported cost that
 * cannot be a real figure ({@code 1e999}, {@code 2e9}, NaN, a word) is ignored <em>and flagged</em>
 * {@code reported_cost_ignored} with a note, like a negative one, never dropped silently; and bytes
 * that are not UTF-8 fail the answer as {@code malformed_response} whether it arrives as one JSON
 * body or as an event stream (which used to decode them silently into U+FFFD), on the three formats.
 */
class ReportedFiguresAndEncodingTest {

    private static final String KEY = "sk-f1guresK3yQ2wE9rTzzz";
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

    private void enqueue(Wire w, boolean streamed, String usageFragment) {
        server.enqueue(streamed ? Wire.sse(w.stream(usageFragment)) : Wire.json(200, w.body(usageFragment)));
    }

    private ChatModel model(Wire w) {
        return w.model(server.url("/").toString(), KEY);
    }

    @Test
    void anUnbelievableReportedCostIsIgnoredFlaggedAndNoted() {
        String[] figures = {"1e999", "-1e999", "2e9", "1e999999999", "NaN", "Infinity", "\"free\"", "true"};
        Price price = Price.of("1", "2");
        for (boolean streamed : new boolean[] {false, true}) {
            for (String figure : figures) {
                String usage = "{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,\"cost\":" + figure + "}";
                enqueue(Wire.OPENAI, streamed, Wire.OPENAI.usage(usage));
                ModelResponse direct = Wire.response(model(Wire.OPENAI), streamed);
                assertThat(direct.reportedCostUsd()).as("%s streamed=%s", figure, streamed).isNull();
                assertThat(direct.reportedCostIgnored()).as("%s streamed=%s", figure, streamed).isTrue();

                enqueue(Wire.OPENAI, streamed, Wire.OPENAI.usage(usage));
                enqueue(Wire.OPENAI, false, Wire.OPENAI.usage(Wire.OPENAI.validUsage));
                ChatModel m = model(Wire.OPENAI);
                Fusion f = Fusion.builder().panel(m).judge(m).panelStreaming(streamed)
                        .price("h:test-model", price).deadline(Duration.ofSeconds(20)).build();
                FusionResult r = f.ask("Say hello.");
                CallRecord panel = r.panel().get(0);
                assertThat(panel.costFlags()).as("%s streamed=%s", figure, streamed)
                        .containsExactly(CostFlag.REPORTED_COST_IGNORED);
                assertThat(panel.cost().reportedUsd()).isNull();
                assertThat(panel.cost().usd()).as("costed from its tokens").isPresent();
                assertThat(r.notes()).anySatisfy(n -> assertThat(n).contains("ignored", "believable"));
                assertThat(r.totalCostUsd()).isLessThan(BigDecimal.ONE);
            }
        }
    }

    @Test
    void aBelievableReportedCostIsKeptAndNotFlagged() {
        String usage = "{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,\"cost\":0.000123}";
        for (boolean streamed : new boolean[] {false, true}) {
            enqueue(Wire.OPENAI, streamed, Wire.OPENAI.usage(usage));
            ModelResponse r = Wire.response(model(Wire.OPENAI), streamed);
            assertThat(r.reportedCostUsd()).isEqualByComparingTo("0.000123");
            assertThat(r.reportedCostIgnored()).isFalse();
        }
    }

    /** Byte sequences no UTF-8 decoder may accept. */
    static final byte[][] BAD = {
            {(byte) 0xFF},                           // never in UTF-8
            {(byte) 0x80},                           // a continuation byte with no start
            {(byte) 0xC3, 'x'},                      // a start byte cut short
            {(byte) 0xC0, (byte) 0xAF},              // an overlong '/'
            {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // an overlong '/' in three bytes
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a UTF-16 surrogate
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
    };

    static Stream<Arguments> formatsAndBytes() {
        List<Arguments> out = new ArrayList<>();
        for (Wire w : Wire.values()) {
            for (int i = 0; i < BAD.length; i++) {
                out.add(Arguments.of(w, i));
            }
        }
        return out.stream();
    }

    /** {@code text} with the bad bytes spliced in where {@code ANSWER} was. */
    private static Buffer withBadBytes(String text, byte[] bad) {
        int at = text.indexOf("How can");
        Buffer b = new Buffer();
        b.write(text.substring(0, at).getBytes(StandardCharsets.UTF_8));
        b.write(bad);
        b.write(text.substring(at).getBytes(StandardCharsets.UTF_8));
        return b;
    }

    @ParameterizedTest(name = "{0}: bad UTF-8 #{1} is malformed in a body and in a stream alike")
    @MethodSource("formatsAndBytes")
    void invalidUtf8IsMalformedOnBothPaths(Wire w, int which) {
        byte[] bad = BAD[which];
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .body(withBadBytes(w.body(w.usage(w.validUsage)), bad)).build());
        ProviderException body = Wire.failure(model(w), false);
        assertThat(body.kind()).as("body: %s", body).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);

        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/event-stream")
                .body(withBadBytes(w.stream(w.usage(w.validUsage)), bad)).build());
        ProviderException stream = Wire.failure(model(w), true);
        assertThat(stream.kind()).as("stream: %s", stream).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(stream.getMessage()).contains("not valid UTF-8");
        assertThat(String.valueOf(stream.partialText())).doesNotContain("\uFFFD");
    }

    @ParameterizedTest(name = "{0}: a stream cut inside a UTF-8 sequence is malformed")
    @MethodSource("formats")
    void aStreamEndingInsideASequenceIsMalformed(Wire w) {
        String full = w.stream(w.usage(w.validUsage));
        Buffer b = new Buffer();
        b.write(full.substring(0, full.indexOf("How can")).getBytes(StandardCharsets.UTF_8));
        b.write(new byte[] {(byte) 0xE2, (byte) 0x82}); // the first two of the three bytes of '€'
        server.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "text/event-stream").body(b).build());
        ProviderException e = Wire.failure(model(w), true);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.MALFORMED_RESPONSE);
        assertThat(e.getMessage()).contains("ends inside a UTF-8 sequence");
    }

    static Stream<Wire> formats() {
        return Stream.of(Wire.values());
    }

    @ParameterizedTest(name = "{0}: valid multi-byte UTF-8 streams through untouched")
    @MethodSource("formats")
    void validUtf8StreamsThrough(Wire w) {
        String text = "Grüße, 世界 🌍";
        String s = w.stream(w.usage(w.validUsage)).replace("How can", text + " How can");
        server.enqueue(Wire.sse(s));
        assertThat(Wire.response(model(w), true).text()).contains(text);
    }
}
