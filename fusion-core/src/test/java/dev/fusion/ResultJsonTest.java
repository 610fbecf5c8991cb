package dev.fusion;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ResultJsonTest {

    @Test
    void jsonCarriesTheContractFieldsWithPlainDecimalsAndNullsForUnknowns() throws Exception {
        Fusion f = Fusion.builder()
                .member(Member.of("cheap-a", FakeModel.answering("p:a", "A", new Usage(1000, 200, 10, 0, 300, 7), Duration.ZERO)))
                .panel(FakeModel.failing("p:b", ProviderException.http(401, "authentication_error", null, "bad", null)))
                .judge(FakeModel.instant("p:j", "merged"))
                .price("p:a", Price.of("0.27", "1.10")).build();
        JsonNode j = new ObjectMapper().readTree(ResultJson.toJson(f.ask("q")));

        assertThat(j.get("answer").asText()).isEqualTo("merged");
        assertThat(j.get("judged").asBoolean()).isTrue();
        assertThat(j.get("strategy").asText()).isEqualTo("synthesize");
        assertThat(j.get("wallMs").isNumber()).isTrue();
        // (1000 + 200 + 10) x 0.27 (cache rates default to input) + (300 + 7) x 1.10 = 664.4 per million
        assertThat(j.get("totalCostUsd").decimalValue()).isEqualByComparingTo("0.0006644");
        assertThat(j.get("budgetUsd").isNull()).isTrue();
        JsonNode a = j.get("calls").get(0);
        assertThat(a.get("model").asText()).isEqualTo("cheap-a");
        assertThat(a.get("role").asText()).isEqualTo("panel");
        assertThat(a.get("status").asText()).isEqualTo("ok");
        assertThat(a.get("usage").get("input").asLong()).isEqualTo(1000);
        assertThat(a.get("usage").get("cacheRead").asLong()).isEqualTo(200);
        assertThat(a.get("usage").get("cacheWrite").asLong()).isEqualTo(10);
        assertThat(a.get("usage").get("output").asLong()).isEqualTo(300);
        assertThat(a.get("usage").get("reasoning").asLong()).isEqualTo(7);
        assertThat(a.get("costUsd").decimalValue()).isEqualByComparingTo("0.0006644");
        assertThat(a.get("reportedCostUsd").isNull()).isTrue();
        assertThat(a.get("attempts").asInt()).isEqualTo(1);
        assertThat(a.get("error").isNull()).isTrue();
        JsonNode b = j.get("calls").get(1);
        assertThat(b.get("status").asText()).isEqualTo("failed");
        assertThat(b.get("error").asText()).contains("http_401");
        assertThat(b.get("costUsd").isNull()).isTrue(); // unpriced, never 0
        assertThat(j.get("calls").get(2).get("role").asText()).isEqualTo("judge");
        assertThat(ResultJson.toJson(f.ask("q"))).doesNotContain("E-");
    }
}
