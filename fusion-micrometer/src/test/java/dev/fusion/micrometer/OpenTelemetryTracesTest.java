package dev.fusion.micrometer;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.sandbox.WireServer;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Observations reach OpenTelemetry through micrometer-tracing's OTel bridge: an ask span, one child span per call. */
class OpenTelemetryTracesTest {

    private WireServer server;
    private InMemorySpanExporter exporter;
    private SdkTracerProvider tracerProvider;
    private ObservationRegistry observations;

    @BeforeEach
    void setUp() {
        server = SandboxFusions.start();
        exporter = InMemorySpanExporter.create();
        tracerProvider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(exporter)).build();
        OtelCurrentTraceContext context = new OtelCurrentTraceContext();
        OtelTracer tracer = new OtelTracer(tracerProvider.get("fusion-test"), context, event -> { },
                new OtelBaggageManager(context, List.of(), List.of()));
        observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    @AfterEach
    void tearDown() {
        tracerProvider.close();
        server.close();
    }

    private static SpanData askSpan(List<SpanData> spans) {
        return spans.stream().filter(s -> s.getName().equals("fusion ask")).findFirst().orElseThrow();
    }

    @Test
    void theAskSpanHasOneChildSpanPerCallWithTheGenAiAttributes() {
        Fusion fusion = SandboxFusions.withFailingMember(server).build();

        FusionResult result = ObservedFusion.of(fusion, observations, null).ask("Why is the sky blue?");

        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData ask = askSpan(spans);
        List<SpanData> children = spans.stream()
                .filter(s -> s.getParentSpanId().equals(ask.getSpanId())).toList();
        assertThat(spans).hasSize(1 + result.calls().size());
        assertThat(children).hasSize(result.calls().size()).hasSize(4);
        assertThat(children).allSatisfy(s -> assertThat(s.getTraceId()).isEqualTo(ask.getTraceId()));
        assertThat(children).extracting(SpanData::getName).containsExactlyInAnyOrder(
                "chat sandbox-swift", "chat sandbox-contrarian", "chat " + SandboxFusions.BROKEN, "chat sandbox-judge");

        for (CallRecord call : result.calls()) {
            SpanData span = children.stream().filter(s -> s.getName().equals("chat " + call.model().model()))
                    .findFirst().orElseThrow();
            assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name"))).isEqualTo("chat");
            assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.provider.name"))).isEqualTo("sandbox-openai");
            assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo(call.model().model());
            assertThat(span.getAttributes().get(AttributeKey.stringKey("fusion.call.role"))).isEqualTo(call.role().wireName());
            if (call.isOk()) {
                assertThat(span.getStatus().getStatusCode()).isNotEqualTo(StatusCode.ERROR);
                assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.usage.input_tokens")))
                        .isEqualTo(Long.toString(call.usage().promptTokens()));
                assertThat(span.getAttributes().get(AttributeKey.stringKey("fusion.cost.usd")))
                        .isEqualTo(call.cost().usd().orElseThrow().toPlainString());
                assertThat(span.getAttributes().get(AttributeKey.stringKey("gen_ai.usage.cache_read.input_tokens")))
                        .isEqualTo(Long.toString(call.usage().cacheRead()));
                if (call.timeToFirstToken() != null) {
                    assertThat(Double.parseDouble(span.getAttributes().get(
                            AttributeKey.stringKey("gen_ai.response.time_to_first_chunk"))))
                            .isEqualTo(call.timeToFirstToken().toNanos() / 1e9);
                }
            } else {
                assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
                assertThat(span.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("http_400");
            }
        }
        assertThat(ask.getAttributes().get(AttributeKey.stringKey("fusion.ask.outcome"))).isEqualTo("judged");
    }

    @Test
    void aStreamedAskIsTracedTheSameWayAndItsJudgeSpanEndsWithTheAsk() {
        Fusion fusion = SandboxFusions.withFailingMember(server).build();

        List<FusionEvent> events = ObservedFusion.of(fusion, observations, null)
                .stream(FusionRequest.of("Why is the sky blue?")).collectList().block();

        FusionResult result = ((FusionEvent.Completed) events.get(events.size() - 1)).result();
        List<SpanData> spans = exporter.getFinishedSpanItems();
        SpanData ask = askSpan(spans);
        assertThat(spans.stream().filter(s -> s.getParentSpanId().equals(ask.getSpanId()))).hasSize(4);
        SpanData judge = spans.stream().filter(s -> s.getName().equals("chat sandbox-judge")).findFirst().orElseThrow();
        assertThat(judge.getAttributes().get(AttributeKey.stringKey("gen_ai.usage.output_tokens")))
                .isEqualTo(Long.toString(result.judge().orElseThrow().usage().completionTokens()));
        assertThat(judge.getEndEpochNanos()).isLessThanOrEqualTo(ask.getEndEpochNanos());
    }
}
