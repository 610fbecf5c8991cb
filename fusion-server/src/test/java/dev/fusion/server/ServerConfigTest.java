package dev.fusion.server;

import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServerConfigTest {

    static final String FILE = """
            panel: [sandbox-openai:sandbox-swift, sandbox-anthropic:sandbox-scholar]
            judge: sandbox-openai:sandbox-judge
            fusions:
              budget: {panel: [sandbox-openai:sandbox-terse], judge: sandbox-openai:sandbox-judge}
            server:
              host: 0.0.0.0
              port: 9000
              maxConcurrentAsks: 10
              keys:
                - name: web
                  sha256: bfec2769ed2c1055a61d8ae175a20743c58902236dfc6c3407d67536517b070d
                  models: [budget]
                  dailyUsd: 5
                  rpm: 60
                - name: jobs
                  keyEnv: JOBS_KEY
            """;

    @Test
    void readsFusionsServerAndKeys() {
        ServerConfig c = ServerConfig.parse(FILE, Map.of("JOBS_KEY", "sk-jobs-key-123456"));
        assertThat(c.fusions()).containsOnlyKeys("default", "budget");
        assertThat(c.host()).isEqualTo("0.0.0.0");
        assertThat(c.port()).isEqualTo(9000);
        assertThat(c.limits().maxConcurrentAsks()).isEqualTo(10);
        GatewayKey web = c.keys().get(0);
        assertThat(web.models()).isEqualTo(Set.of("fusion/budget"));
        assertThat(web.dailyUsd()).isEqualByComparingTo(new BigDecimal("5"));
        assertThat(web.rpm()).isEqualTo(60);
        assertThat(c.keys().get(1).sha256Hex()).isEqualTo(GatewayKey.hash("sk-jobs-key-123456"));
        assertThat(c.toString()).doesNotContain("sk-jobs-key").doesNotContain(web.sha256Hex());
    }

    @Test
    void namesTheKeyAndTheFixForMistakes() {
        assertThatThrownBy(() -> ServerConfig.parse(FILE, Map.of()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("server.keys.jobs.keyEnv")
                .hasMessageContaining("JOBS_KEY is not set");
        assertThatThrownBy(() -> ServerConfig.parse("server: {prot: 1}\npanel: [a:b]\njudge: a:b", Map.of()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("server.prot: unknown key");
        assertThatThrownBy(() -> ServerConfig.parse("fusions: {budget: {panel: [a:b], judge: a:b, quorm: 2}}", Map.of()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("fusions.budget.");
        assertThatThrownBy(() -> ServerConfig.parse("server: {keys: [{name: web, sha256: abc}]}", Map.of()))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("sha256 must be 64 hex digits");
    }

    @Test
    void aFileWithOnlyAServerSectionHasNoFusion() {
        ServerConfig c = ServerConfig.parse("server: {port: 0}", Map.of());
        assertThat(c.fusions()).isEmpty();
        assertThat(c.port()).isZero();
    }
}
