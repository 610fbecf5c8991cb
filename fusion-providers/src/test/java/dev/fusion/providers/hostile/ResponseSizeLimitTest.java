package dev.fusion.providers.hostile;

import dev.fusion.AskFailedException;
import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionRequest;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ProviderException;
import dev.fusion.providers.ResponseLimits;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No server can exhaust memory: a body beyond the limit, a gzip bomb, an endless stream of deltas
 * and one endless SSE line each end as a typed, non-retryable {@code response_too_large} failure,
 * on the three wire formats. This class runs in its own surefire execution with {@code -Xmx128m
 * -XX:+ExitOnOutOfMemoryError} (fusion-providers/pom.xml): every hostile answer here is larger than
 * that heap, so without the limits the fork dies and the build fails.
 */
class ResponseSizeLimitTest {

    private static final String KEY = "sk-Zs5kP1xN7cV3bM9qW4eR";
    /** Inflates to 256 MiB of JSON whitespace: twice the test JVM's heap. */
    private static byte[] gzipBomb;
    /** Inflates to 256 MiB of one SSE line. */
    private static byte[] gzipBombLine;

    @BeforeAll
    static void bombs() throws IOException {
        gzipBomb = gzip("{\"a\":\"".getBytes(StandardCharsets.US_ASCII), (byte) ' ');
        gzipBombLine = gzip("data: {\"x\":\"".getBytes(StandardCharsets.US_ASCII), (byte) 'a');
    }

    private static byte[] gzip(byte[] prefix, byte fill) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(prefix);
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, fill);
            for (int i = 0; i < 256; i++) {
                gz.write(chunk);
            }
        }
        return bytes.toByteArray();
    }

    static long heapMiB() {
        return Runtime.getRuntime().maxMemory() >> 20;
    }

    /** The start of a complete answer of this format, before its text: the rest never comes. */
    static String answerPrefix(Wire w) {
        return switch (w) {
            case OPENAI -> "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"";
            case ANTHROPIC -> "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"";
            case GEMINI -> "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"";
        };
    }

    /** One text delta event of this format. */
    static String delta(Wire w, String text) {
        return switch (w) {
            case OPENAI -> Wire.data("{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                    + "\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}");
            case ANTHROPIC -> Wire.event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + text + "\"}}");
            case GEMINI -> Wire.data("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + text
                    + "\"}],\"role\":\"model\"}}]}");
        };
    }

    private static void endless(OutputStream out, byte[] unit) throws IOException {
        while (true) {
            out.write(unit); // until the client aborts: IOException
        }
    }

    private static void assertTooLarge(ProviderException e, String what) {
        assertThat(e.kind()).as("%s", e).isEqualTo(ProviderException.Kind.RESPONSE_TOO_LARGE);
        assertThat(e.retryable()).isFalse();
        assertThat(e.getMessage()).contains(what).contains("[h:test-model]");
        CallError err = CallError.of(e);
        assertThat(err.type()).isEqualTo("response_too_large");
        assertThat(err.retryable()).isFalse();
    }

    @ParameterizedTest(name = "{0}: an endless answer body is cut at the limit")
    @EnumSource(Wire.class)
    void endlessBody(Wire w) throws IOException {
        byte[] fill = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".repeat(128)
                .getBytes(StandardCharsets.US_ASCII);
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, "application/json");
            out.write(answerPrefix(w).getBytes(StandardCharsets.US_ASCII));
            endless(out, fill);
        })) {
            ChatModel m = w.model(s.url(), KEY);
            assertTooLarge(Wire.failure(m, false), "the answer (after decompression) exceeds the limit of 8388608 bytes");
            assertThat(s.requests.get()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0}: a declared Content-Length beyond the limit fails before reading")
    @EnumSource(Wire.class)
    void declaredLengthBeyondTheLimit(Wire w) throws IOException {
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, "application/json", "Content-Length: 209715200");
            endless(out, new byte[8192]);
        })) {
            assertTooLarge(Wire.failure(w.model(s.url(), KEY), false), "declared length of 209715200 bytes");
        }
    }

    @ParameterizedTest(name = "{0} streamed={1}: a gzip bomb is counted as it inflates")
    @MethodSource("formatsAndModes")
    void gzipBomb(Wire w, boolean streamed) throws IOException {
        byte[] bomb = streamed ? gzipBombLine : gzipBomb;
        assertThat(bomb.length).as("compressed size").isLessThan(1 << 20);
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, streamed ? "text/event-stream" : "application/json", "Content-Encoding: gzip",
                    "Content-Length: " + bomb.length);
            out.write(bomb);
        })) {
            assertTooLarge(Wire.failure(w.model(s.url(), KEY), streamed),
                    streamed ? "one server-sent event exceeds the limit of 1048576 bytes"
                            : "the answer (after decompression) exceeds the limit of 8388608 bytes");
        }
    }

    @ParameterizedTest(name = "{0}: an endless stream of deltas is cut at the text limit")
    @EnumSource(Wire.class)
    void endlessDeltas(Wire w) throws IOException {
        byte[] event = delta(w, "0123456789abcdef".repeat(64)).getBytes(StandardCharsets.US_ASCII);
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, "text/event-stream");
            endless(out, event);
        })) {
            ProviderException e = Wire.failure(w.model(s.url(), KEY), true);
            assertTooLarge(e, "the streamed answer's text exceeds the limit of 4194304 characters");
            // The text received so far is kept for the record, up to the bound.
            assertThat(e.partialText()).isNotNull();
            assertThat(e.partialText().length()).isLessThanOrEqualTo(4 * 1024 * 1024).isGreaterThan(4_000_000);
        }
    }

    @ParameterizedTest(name = "{0}: one endless SSE line is cut at the event limit")
    @EnumSource(Wire.class)
    void endlessLine(Wire w) throws IOException {
        byte[] fill = "a".repeat(8192).getBytes(StandardCharsets.US_ASCII);
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, "text/event-stream");
            out.write(delta(w, "first words ").getBytes(StandardCharsets.US_ASCII));
            out.write("data: {\"choices\":[{\"delta\":{\"content\":\"".getBytes(StandardCharsets.US_ASCII));
            endless(out, fill);
        })) {
            ProviderException e = Wire.failure(w.model(s.url(), KEY), true);
            assertTooLarge(e, "one server-sent event exceeds the limit of 1048576 bytes");
            assertThat(e.partialText()).isEqualTo("first words ");
        }
    }

    @Test
    void smallerLimitsAreHonouredAndTheRecordIsTyped() throws IOException {
        byte[] event = delta(Wire.OPENAI, "x".repeat(100)).getBytes(StandardCharsets.US_ASCII);
        try (RawServer s = new RawServer(out -> {
            RawServer.head(out, "text/event-stream");
            endless(out, event);
        })) {
            var providers = Wire.OPENAI.providers(s.url(), KEY,
                    ResponseLimits.defaults().withMaxStreamTextChars(10_000));
            RetryPolicy retry = new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), 0);
            Fusion fusion = Fusion.builder().member(Member.of(providers.model("h:panel"))).judge(providers.model("h:judge"))
                    .panelStreaming(true).retry(retry).judgeRetry(retry).deadline(Duration.ofSeconds(20))
                    .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).build();
            List<CallRecord> calls;
            try {
                calls = fusion.ask(FusionRequest.of("Say hello.")).calls();
            } catch (AskFailedException failed) {
                calls = failed.calls();
            }
            CallRecord panel = calls.stream().filter(c -> c.model().model().equals("panel")).findFirst().orElseThrow();
            assertThat(panel.error().type()).isEqualTo("response_too_large");
            assertThat(panel.error().message()).contains("10000 characters");
            assertThat(panel.attempts()).as("not retried").isEqualTo(1);
        }
    }

    @Test
    void thisClassRunsUnderASmallHeap() {
        // The surefire execution "small-heap" gives this class 128 MiB; when it is run by hand
        // (e.g. -Dtest in the default execution) the heap may be larger and the proof weaker.
        if (System.getProperty("fusion.smallHeap") != null) {
            assertThat(heapMiB()).isLessThanOrEqualTo(128);
        }
    }

    static Stream<Arguments> formatsAndModes() {
        List<Arguments> a = new ArrayList<>();
        for (Wire w : Wire.values()) {
            a.add(Arguments.of(w, false));
            a.add(Arguments.of(w, true));
        }
        return a.stream();
    }
}
