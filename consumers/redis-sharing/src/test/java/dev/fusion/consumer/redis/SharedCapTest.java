package dev.fusion.consumer.redis;

import dev.fusion.BudgetExceededException;
import dev.fusion.FusionResult;
import dev.fusion.sandbox.providers.SandboxProviders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two instances on one real redis-server share one spend cap: once the first has used it up, the second is
 * refused before any call; an instance of another namespace is not. Skipped when redis-server is not
 * installed, except in CI (CI set), where .ci/run installs it.
 */
class SharedCapTest {

    static Process redis;
    static String url;
    static SandboxProviders sandbox;

    @BeforeAll
    static void start() throws Exception {
        String binary = List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server")
                .stream().filter(p -> new File(p).canExecute()).findFirst().orElse(null);
        if (binary == null && System.getenv("CI") == null) {
            Assumptions.abort("redis-server is not installed: apt-get install -y redis-server");
        }
        assertThat(binary).as("redis-server (CI installs it)").isNotNull();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        redis = new ProcessBuilder(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--loglevel", "warning").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        for (int i = 0; ; i++) { // a bounded wait for the port, failing with the reason
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                break;
            } catch (IOException notYet) {
                assertThat(redis.isAlive()).as("redis-server exited").isTrue();
                assertThat(i).as("redis-server listening on " + port).isLessThan(500);
                Thread.sleep(20);
            }
        }
        url = "redis://127.0.0.1:" + port + "/0";
        sandbox = SandboxProviders.start();
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (redis != null) {
            redis.destroy();
        }
    }

    @Test
    void twoInstancesShareOneCap() {
        BigDecimal cap = new BigDecimal("0.02");
        try (TeamFusion first = new TeamFusion(sandbox, url, "team-a", cap);
             TeamFusion second = new TeamFusion(sandbox, url, "team-a", cap);
             TeamFusion otherTeam = new TeamFusion(sandbox, url, "team-b", cap)) {
            int answered = 0;
            BigDecimal spent = BigDecimal.ZERO;
            try {
                for (int i = 0; i < 100; i++) {
                    FusionResult r = first.fusion().ask("What is the CAP theorem?");
                    assertThat(r.answer()).contains("consistency, availability and partition tolerance");
                    spent = spent.add(r.totalCostUsd());
                    answered++;
                }
            } catch (BudgetExceededException e) {
                assertThat(e).hasMessageContaining("spend cap");
            }
            assertThat(answered).as("asks the cap admitted").isPositive().isLessThan(100);
            assertThat(spent).isPositive().isLessThanOrEqualTo(cap);

            assertThatThrownBy(() -> second.fusion().ask("What is the CAP theorem?"))
                    .as("the second instance sees the first one's spend").isInstanceOf(BudgetExceededException.class);
            assertThat(otherTeam.fusion().ask("What is the CAP theorem?").answer())
                    .as("another namespace has its own cap").contains("partition tolerance");
        }
    }
}
