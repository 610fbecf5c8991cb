package dev.fusion.micrometer;

import dev.fusion.Fusion;
import dev.fusion.FusionException;
import dev.fusion.Member;
import dev.fusion.RetryPolicy;
import dev.fusion.micrometer.internal.ErrorKind;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A server cannot mint tag values: 12 asks answered by 12 in-band errors with 12 invented types, over
 * real HTTP on the three wire formats, leave every meter's {@code error.type} within Fusion's fixed
 * set of error kinds ({@link ErrorKind}), where it used to carry each invented type (12 new time
 * series, and as many as a server cares to send).
 */
class ErrorTypeCardinalityTest {

    private static final Set<String> FIXED = Arrays.stream(ErrorKind.values()).map(ErrorKind::value)
            .collect(Collectors.toSet());

    private static String inBandError(ProviderKind kind, String type) {
        return switch (kind) {
            case OPENAI -> "{\"error\":{\"type\":\"" + type + "\",\"message\":\"no\",\"code\":null}}";
            case ANTHROPIC -> "{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"no\"}}";
            case GEMINI -> "{\"error\":{\"code\":400,\"status\":\"" + type + "\",\"message\":\"no\"}}";
        };
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ProviderKind.class)
    void inventedErrorTypesNeverBecomeTagValues(ProviderKind kind) throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.start();
            String url = server.url(kind == ProviderKind.OPENAI ? "/v1" : "/").toString();
            Providers p = Providers.builder().env(Map.of("CARD_KEY", "sk-cardinal1tyK3yQ2wE9rT"))
                    .provider("h", ProviderSpec.of(kind, url, "CARD_KEY")).build();
            ChatModel model = p.model("h:m");
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), 0);
            Fusion fusion = Fusion.builder().member(Member.of("m", model).withRetry(once)).judge(model)
                    .panelStreaming(false).deadline(Duration.ofSeconds(20)).listener(new FusionMetrics(meters)).build();
            ObservedFusion observed = ObservedFusion.of(fusion, TestObservationRegistry.create(), meters);
            java.util.concurrent.atomic.AtomicInteger served = new java.util.concurrent.atomic.AtomicInteger();
            server.setDispatcher(new mockwebserver3.Dispatcher() {
                @Override
                public MockResponse dispatch(mockwebserver3.RecordedRequest request) {
                    // Every answer an error with a type never seen before.
                    return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                            .body(inBandError(kind, "server_invented_" + served.incrementAndGet())).build();
                }
            });
            for (int i = 0; i < 12; i++) {
                assertThatThrownBy(() -> observed.ask("q")).isInstanceOf(FusionException.class);
            }
            assertThat(served.get()).isGreaterThanOrEqualTo(12);
            Set<String> values = new TreeSet<>();
            for (Meter m : meters.getMeters()) {
                String v = m.getId().getTag("error.type");
                if (v != null) {
                    values.add(v);
                }
            }
            assertThat(values).as("error.type tag values").isNotEmpty()
                    .allSatisfy(v -> assertThat(FIXED.contains(v) || v.matches("http_[1-5]\\d\\d")
                            || v.endsWith("Exception")).as(v).isTrue());
            assertThat(values).noneMatch(v -> v.contains("invented"));
            assertThat(values).hasSizeLessThanOrEqualTo(3);
        }
    }
}
