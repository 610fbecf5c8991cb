package dev.fusion.providers.hostile;

import dev.fusion.CallError;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection failure names its target: scheme, host and port, never a path or query (Gemini's
 * streaming URL carries {@code ?alt=sse}), e.g.
 * {@code connection_error: cannot connect to http://127.0.0.1:PORT (Connection refused)}.
 */
class ConnectionTargetTest {

    /** A port nothing listens on: bound, then released. */
    static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
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

    @ParameterizedTest(name = "{0} streamed={1}: a refused connection names scheme, host and port")
    @MethodSource("formatsAndModes")
    void refusedConnectionNamesTheTarget(Wire w, boolean streamed) throws IOException {
        int port = closedPort();
        ProviderException e = Wire.failure(w.model("http://127.0.0.1:" + port + "/", "sk-Tg6nB2vC8xZ4mQ1wP7"), streamed);
        assertThat(e.kind()).isEqualTo(ProviderException.Kind.TRANSPORT);
        assertThat(e.retryable()).isTrue();
        CallError err = CallError.of(e);
        assertThat(err.toString()).startsWith("connection_error: cannot connect to http://127.0.0.1:" + port + " (")
                .contains("[h:test-model]")
                .doesNotContain("alt=sse").doesNotContain("/v1").doesNotContain("generateContent")
                .doesNotContain("messages").doesNotContain("chat/completions");
    }
}
