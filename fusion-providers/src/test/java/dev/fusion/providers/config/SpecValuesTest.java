package dev.fusion.providers.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The value readers, for a key added later (an enum-valued one, like issue 16's {@code shared.onUnavailable}). */
class SpecValuesTest {

    enum OnUnavailable { REFUSE, LOCAL_FALLBACK }

    record Shared(String redis, OnUnavailable onUnavailable, Long leaseMs) {
    }

    static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory()).registerModule(SpecValues.module())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Test
    void anyEnumIsReadByItsNameWithoutAReaderOfItsOwn() throws Exception {
        assertThat(MAPPER.readValue("onUnavailable: Local-Fallback\nleaseMs: 30000\n", Shared.class))
                .isEqualTo(new Shared(null, OnUnavailable.LOCAL_FALLBACK, 30000L));
        assertThat(MAPPER.readValue("onUnavailable: local_fallback\n", Shared.class).onUnavailable())
                .isEqualTo(OnUnavailable.LOCAL_FALLBACK);
    }

    @Test
    void aBadEnumValueListsTheValidOnes() {
        assertThatThrownBy(() -> MAPPER.readValue("onUnavailable: later\n", Shared.class))
                .isInstanceOfSatisfying(SpecValues.BadValue.class, e ->
                        assertThat(e.problem()).isEqualTo("must be one of refuse, local-fallback, was 'later'"));
        assertThatThrownBy(() -> MAPPER.readValue("onUnavailable: [refuse]\n", Shared.class))
                .isInstanceOfSatisfying(SpecValues.BadValue.class, e ->
                        assertThat(e.problem()).isEqualTo("must be one of refuse, local-fallback, was a list"));
    }

    @Test
    void millisAndTextKeepTheirRules() {
        assertThatThrownBy(() -> MAPPER.readValue("leaseMs: 1.5\n", Shared.class))
                .isInstanceOfSatisfying(SpecValues.BadValue.class, e ->
                        assertThat(e.problem()).isEqualTo("must be a whole number of milliseconds, was number 1.5"));
        assertThatThrownBy(() -> MAPPER.readValue("redis: {host: x}\n", Shared.class))
                .isInstanceOfSatisfying(SpecValues.BadValue.class, e ->
                        assertThat(e.problem()).isEqualTo("must be a string, was a mapping"));
    }
}
