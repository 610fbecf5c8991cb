package dev.fusion.redis;

import dev.fusion.BudgetExceededException;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Several separate JVMs (not threads) asking one sandbox concurrently, sharing their cap and provider
 * limits through one real Redis: the limits hold at the server, across processes.
 *
 * <p>No assertion depends on how fast the machine is. The children start their asks together, once every
 * JVM is up ({@link Children#goTogether}): a JVM that took 60 s to start on a loaded machine cannot begin
 * its asks in a later rate-limit minute. Where the deadline only bounds an ask (the cap test) it is far
 * beyond what the asks need even on a stalled machine; where it ends the asks left waiting for the next
 * minute (the per-minute tests) it is 40 s, inside the 60 s window that opens with the first admitted
 * call. Every other wait is a bound on waiting for something that must happen.
 */
class SharedLimitsAcrossProcessesTest {

    @RegisterExtension
    static final RedisServer REDIS = new RedisServer();

    /** Every call answers 100 output tokens: at $10/M output a call costs exactly its worst case, $0.001. */
    static WireServer sandbox(long latencyMs) {
        Reply r = Reply.text("Four.").latencyMillis(latencyMs).usage(Usage.of(10, 100));
        return WireServer.start(Behaviour.builder().model("m1", r).model("m2", r).model("judge", r).build());
    }

    static String base(WireServer s) {
        return s.baseUrl(WireFormat.OPENAI);
    }

    @Test
    void aSharedCapAndMaxConcurrentHoldAcrossThreeProcesses() throws Exception {
        try (WireServer server = sandbox(120); Children kids = new Children()) {
            // An ask is 3 calls of $0.001 each (worst case = actual): a $0.02 cap admits exactly 6 of the 12 asks.
            for (int i = 0; i < 3; i++) {
                kids.start(REDIS.url(), "cap", base(server), "4", "2", "0.02", "2", "0", "0", "5000", "120000", "go");
            }
            kids.goTogether(300);
            kids.awaitAll(300);
            List<String> results = new ArrayList<>();
            kids.childrenResults(results);
            assertThat(results).hasSize(12);
            BigDecimal total = BigDecimal.ZERO;
            long calls = 0;
            int ok = 0;
            for (String line : results) {
                if (line.startsWith("OK ")) {
                    String[] f = line.split(" ");
                    total = total.add(new BigDecimal(f[1]));
                    calls += Long.parseLong(f[2]);
                    ok++;
                } else {
                    assertThat(line).as("an ask beyond the cap is refused with the typed error")
                            .startsWith("ERR " + BudgetExceededException.class.getName());
                }
            }
            assertThat(total).as("total recorded spend vs the shared cap").isLessThanOrEqualTo(new BigDecimal("0.02"));
            // Every ask costs at most its $0.003 worst case, so at least 6 fit; the cap is never passed.
            assertThat(ok).as("asks that fit the shared cap: " + results).isGreaterThanOrEqualTo(6);
            assertThat(server.requestCount()).as("refused asks made no call").isEqualTo(calls);
            assertThat(server.maxInFlight()).as("peak concurrency at the server vs the shared maxConcurrent 2")
                    .isLessThanOrEqualTo(2);
        }
    }

    @Test
    void requestsPerMinuteHoldAtTheServerAcrossProcesses() throws Exception {
        try (WireServer server = sandbox(20); Children kids = new Children()) {
            // 3 processes x 1 ask x 3 calls want 9 starts; the shared limit lets 4 through this minute.
            // The deadline only ends the asks left waiting for the next minute: 40 s after the asks start
            // together, inside the 60 s window, so no fifth start can fit, and long enough for the four admitted
            // calls to be sent on a loaded machine (with 3 s, one ask ran out before its call: 3 of 4).
            for (int i = 0; i < 3; i++) {
                kids.start(REDIS.url(), "rpm", base(server), "1", "1", "0", "0", "4", "0", "5000", "40000", "go");
            }
            kids.goTogether(300);
            kids.awaitAll(300);
            List<String> out = new ArrayList<>();
            kids.childrenResults(out);
            assertThat(server.requestCount()).as("requests at the server in the minute; asks: %s", out).isEqualTo(4);
        }
    }

    @Test
    void tokensPerMinuteHoldAtTheServerAcrossProcesses() throws Exception {
        try (WireServer server = sandbox(20); Children kids = new Children()) {
            // Each call books ~110 estimated tokens (prompt + 100 max output) and settles to the 110 reported.
            // As above, the deadline (40 s, inside the 60 s window) only ends the asks waiting for the next minute.
            for (int i = 0; i < 3; i++) {
                kids.start(REDIS.url(), "tpm", base(server), "1", "1", "0", "0", "0", "250", "5000", "40000", "go");
            }
            kids.goTogether(300);
            kids.awaitAll(300);
            List<String> out = new ArrayList<>();
            kids.childrenResults(out);
            assertThat(server.requestCount()).as("calls admitted; asks: %s", out).isBetween(1L, 3L);
            assertThat(server.servedUsage().totalTokens()).as("tokens served in the minute vs the shared 250")
                    .isLessThanOrEqualTo(250);
        }
    }

    @Test
    void aKilledProcessLeaksNothingBeyondOneLease() throws Exception {
        try (WireServer slow = sandbox(TimeUnit.SECONDS.toMillis(60)); WireServer fast = sandbox(20);
             Children kids = new Children()) {
            // A holds the whole cap (one ask) and both permits, then dies mid-ask.
            Children.Child a = kids.start(REDIS.url(), "kill", base(slow), "1", "1", "0.003", "2", "0", "0", "1500", "120000");
            await(() -> slow.inFlight() == 2, 60, "A's two panel calls in flight");
            assertThat(REDIS.command("ZCARD kill:limit:sbx:permits")).isEqualTo(":2");
            a.process.destroyForcibly(); // kill -9
            a.process.waitFor(10, TimeUnit.SECONDS);
            // Its reservation and permits are dead once its lease (1.5 s) has run out by Redis's clock.
            String expired = "EVAL \"local t = redis.call('TIME'); local now = t[1] * 1000 + math.floor(t[2] / 1000);"
                    + " local l = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES');"
                    + " if l[2] and tonumber(l[2]) > now then return 0 end;"
                    + " return redis.call('ZCOUNT', KEYS[2], '(' .. now, '+inf') == 0 and 1 or 0\" 2"
                    + " kill:spend:all:lease kill:limit:sbx:permits";
            assertThat(REDIS.command(expired)).as("A's lease is still running right after the kill").isEqualTo(":0");
            await(() -> ":1".equals(REDIS.command(expired)), 30, "A's lease to run out");
            // Another process now gets the whole cap and both permits back: its ask passes.
            Children.Child b = kids.start(REDIS.url(), "kill", base(fast), "1", "1", "0.003", "2", "0", "0", "1500", "20000");
            await(() -> b.lines.contains("DONE"), 60, "B finished");
            assertThat(b.results()).singleElement().asString().startsWith("OK ");
            assertThat(REDIS.command("HGET kill:spend:all:res t")).as("reserved after B: A's was dropped").isEqualTo("0");
            assertThat(fast.maxInFlight()).isLessThanOrEqualTo(2);
        }
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(Condition c, long seconds, String what) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!c.holds()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(20);
        }
    }
}
