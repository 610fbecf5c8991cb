package dev.fusion.redis.internal;

import dev.fusion.redis.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The callback path of {@link RedisLink#eval}: replies, the EVAL fallback, and failures all reach the caller. */
class RedisLinkTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    private static final String[] KEYS = {"linktest:p", "linktest:s", "linktest:ts", "linktest:t"};

    /** A harmless script call: no releases, no renewals. */
    private static CompletableFuture<List<Object>> permits(RedisLink link) {
        CompletableFuture<List<Object>> f = new CompletableFuture<>();
        link.eval(Script.PERMITS, KEYS, new String[]{"", "1000", "0"}, (reply, error) -> {
            if (error != null) {
                f.completeExceptionally(error);
            } else {
                f.complete(reply);
            }
        });
        return f;
    }

    @Test
    void aFlushedScriptIsSentAgainWithEvalAndTheReplyStillArrives() throws Exception {
        RedisLink link = new RedisLink(REDIS.url(), Duration.ofSeconds(5));
        try {
            assertThat(permits(link).get(10, TimeUnit.SECONDS)).containsExactly(0L, 0L);
            assertThat(REDIS.command("SCRIPT FLUSH")).isEqualTo("+OK");
            long before = link.roundTrips();
            assertThat(permits(link).get(10, TimeUnit.SECONDS)).containsExactly(0L, 0L);
            assertThat(link.roundTrips() - before).isEqualTo(2); // EVALSHA refused (NOSCRIPT), then EVAL
            before = link.roundTrips();
            assertThat(permits(link).get(10, TimeUnit.SECONDS)).containsExactly(0L, 0L);
            assertThat(link.roundTrips() - before).isEqualTo(1); // the server has it again
        } finally {
            link.close();
        }
    }

    @Test
    void aCallAfterCloseFailsWithTheClosedError() throws Exception {
        RedisLink link = new RedisLink(REDIS.url(), Duration.ofSeconds(5));
        assertThat(permits(link).get(10, TimeUnit.SECONDS)).containsExactly(0L, 0L); // connected: the direct path
        link.close();
        CompletableFuture<List<Object>> f = permits(link);
        assertThat(f).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOf(IllegalStateException.class).withMessageContaining("closed");
    }

    @Test
    void anUnreachableStoreFailsTheCallInsteadOfLosingIt() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        RedisLink link = new RedisLink("redis://127.0.0.1:" + port + "/0", Duration.ofSeconds(2));
        try {
            assertThat(permits(link)).failsWithin(Duration.ofSeconds(20));
        } finally {
            link.close();
        }
    }
}
