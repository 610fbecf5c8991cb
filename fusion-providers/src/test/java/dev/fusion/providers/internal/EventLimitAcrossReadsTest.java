package dev.fusion.providers.internal;

import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.junit5.StartStop;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The per-event bound of {@link LimitInterceptor} counts the same whichever way the body arrives:
 * in tiny chunks (a {@code \r\n} split between two reads) or accumulated into one buffer of many
 * segments, where each read's new bytes start deep inside the buffer. Events of exactly the limit
 * (line terminators not counted, lines of one event added up) pass; one byte more fails, wherever
 * it comes.
 */
class EventLimitAcrossReadsTest {

    private static final int MAX = 1000;

    @StartStop
    final MockWebServer server = new MockWebServer();

    private final OkHttpClient client = new OkHttpClient.Builder().addInterceptor(new LimitInterceptor()).build();

    /** About 200 KB of events, each exactly {@link #MAX} bytes without its line terminators. */
    private static String events(String newline, int oversizedAt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            if (i % 2 == 0) {
                sb.append("data: ").append("x".repeat(MAX - 6 + (i == oversizedAt ? 1 : 0))).append(newline);
            } else { // two lines of one event: 500 + 500 bytes
                sb.append("data: ").append("y".repeat(494)).append(newline)
                        .append("data: ").append("z".repeat(494)).append(newline);
            }
            sb.append(newline);
        }
        return sb.toString();
    }

    private byte[] read(String body, int chunk) throws IOException {
        server.enqueue(new MockResponse.Builder().setHeader("Content-Type", "text/event-stream")
                .chunkedBody(body, chunk).build());
        Request request = new Request.Builder().url(server.url("/events"))
                .tag(BodyLimit.class, new BodyLimit(MAX, true)).build();
        try (Response response = client.newCall(request).execute()) {
            return response.body().bytes();
        }
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {7, 4096, 65536})
    void eventsOfExactlyTheLimitPass(int chunk) throws IOException {
        for (String newline : new String[] {"\n", "\r\n", "\r"}) {
            String body = events(newline, -1);
            assertThat(new String(read(body, chunk), StandardCharsets.US_ASCII)).isEqualTo(body);
        }
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = {7, 4096, 65536})
    void oneByteMoreFailsWhereverTheEventComes(int chunk) {
        for (String newline : new String[] {"\n", "\r\n", "\r"}) {
            for (int at : new int[] {0, 100, 198}) {
                assertThatThrownBy(() -> read(events(newline, at), chunk))
                        .isInstanceOf(ResponseTooLargeException.class)
                        .hasMessageContaining("one server-sent event");
            }
        }
    }
}
