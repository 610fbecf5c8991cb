package dev.fusion.providers;

import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponseLimitsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        ResponseLimits d = ResponseLimits.defaults();
        assertThat(d.maxBodyBytes()).isEqualTo(8L << 20);
        assertThat(d.maxEventBytes()).isEqualTo(1L << 20);
        assertThat(d.maxStreamTextChars()).isEqualTo(4L << 20);
        assertThat(Providers.builder().env(Map.of()).build().responseLimits()).isEqualTo(d);
    }

    @Test
    void limitsBelowTheFloorAreAConfigurationError() {
        assertThatThrownBy(() -> ResponseLimits.defaults().withMaxEventBytes(0))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("maxEventBytes")
                .hasMessageContaining("at least 1024");
        assertThatThrownBy(() -> new ResponseLimits(-1, 4096, 4096))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("maxBodyBytes");
    }

    @Test
    void theRegistryKeepsItsLimitsThroughToBuilder() {
        ResponseLimits small = ResponseLimits.defaults().withMaxBodyBytes(4096).withMaxStreamTextChars(2048);
        Providers p = Providers.builder().env(Map.of()).responseLimits(small).build();
        assertThat(p.toBuilder().build().responseLimits()).isEqualTo(small);
        assertThat(p.with(Map.of()).responseLimits()).isEqualTo(small);
    }
}
