package dev.fusion.micrometer;

import dev.fusion.CallRecord;
import dev.fusion.CallStatus;

import java.util.Locale;
import java.util.Map;

/**
 * The names Fusion's meters and observations use: the OpenTelemetry GenAI semantic conventions
 * where they define one, Fusion's own {@code fusion.*} names where they do not. Followed:
 * open-telemetry/semantic-conventions-genai, {@code docs/gen-ai/gen-ai-metrics.md} (metric names,
 * units, bucket boundaries, well-known {@code gen_ai.provider.name} values) and
 * {@code docs/gen-ai/gen-ai-spans.md} (span name {@code "{gen_ai.operation.name} {gen_ai.request.model}"},
 * usage attributes {@code gen_ai.usage.cache_read.input_tokens}, {@code …cache_creation.input_tokens},
 * {@code …reasoning.output_tokens}, {@code gen_ai.response.time_to_first_chunk} in seconds).
 * Micrometer's tracing handler makes these spans of kind {@code INTERNAL}; the convention prefers
 * {@code CLIENT} for remote models (the HTTP client's own spans, when instrumented, are the children).
 * The conventions have no cost attribute yet (a proposal is open), hence {@code fusion.cost.usd}.
 *
 * <h2>Where the Java frameworks differ, and what Fusion chose</h2>
 * <ul>
 *   <li><b>Token usage instrument.</b> Spring AI records tokens as Micrometer <em>counters</em>
 *       under its observation {@code gen_ai.client.operation}; LangChain4j's
 *       {@code langchain4j-micrometer-metrics} uses a {@code DistributionSummary}. The convention
 *       says <em>histogram</em>, so Fusion uses a {@code DistributionSummary} (a histogram in OTLP,
 *       with the convention's explicit buckets published as service-level objectives).</li>
 *   <li><b>Provider attribute.</b> The convention renamed {@code gen_ai.system} to
 *       {@code gen_ai.provider.name}; LangChain4j
 *       emits {@code gen_ai.provider.name}. Spring AI's observability reference
 *       documents {@code gen_ai.system}. Fusion follows the current convention and maps its
 *       provider names to the well-known values ({@code gemini → gcp.gemini}, {@code moonshot →
 *       moonshot_ai}, {@code xai → x_ai}, {@code mistral → mistral_ai}); other names pass through.</li>
 *   <li><b>Operation duration.</b> A Micrometer {@code Timer} (seconds in Prometheus and the
 *       Actuator; set the OTLP registry's base time unit to seconds to match the convention's
 *       {@code s}), named {@code gen_ai.client.operation.duration} as the convention says rather than
 *       Spring AI's observation-derived {@code gen_ai.client.operation}, so the two never collide in
 *       one registry.</li>
 *   <li><b>Observations.</b> Calls are observed as {@value #CALL_OBSERVATION} (not Spring AI's
 *       {@code gen_ai.client.operation}, for the same reason), asks as {@value #ASK_OBSERVATION};
 *       span names follow the convention.</li>
 * </ul>
 *
 * <p>Thread-safe (constants and pure functions).
 */
public final class GenAiConventions {

    /** Histogram of input and output tokens per call, unit {@code {token}}. */
    public static final String TOKEN_USAGE = "gen_ai.client.token.usage";
    /** Histogram of call durations in seconds, with {@value #ERROR_TYPE} on failures. */
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    /** Histogram of the time from a streamed call's start to its first text, in seconds. */
    public static final String TIME_TO_FIRST_CHUNK = "gen_ai.client.operation.time_to_first_chunk";

    /** Fusion: counter of known cost in USD, by provider, model and role. */
    public static final String COST_USD = "fusion.cost.usd";
    /** Fusion: counter of calls that ran but have no known cost (unknown is never counted as $0). */
    public static final String UNPRICED_CALLS = "fusion.cost.unpriced.calls";
    /** Fusion: counter of calls by status, skipped ones included. */
    public static final String CALLS = "fusion.calls";
    /** Fusion: timer of whole asks, by strategy and outcome. */
    public static final String ASK_DURATION = "fusion.ask.duration";
    /** Fusion: distribution of the known cost of whole asks, in USD. */
    public static final String ASK_COST_USD = "fusion.ask.cost.usd";

    /** Observation of one ask (the parent). */
    public static final String ASK_OBSERVATION = "fusion.ask";
    /** Observation of one panel or judge call (a child of the ask). */
    public static final String CALL_OBSERVATION = "fusion.call";

    public static final String OPERATION_NAME = "gen_ai.operation.name";
    public static final String PROVIDER_NAME = "gen_ai.provider.name";
    public static final String REQUEST_MODEL = "gen_ai.request.model";
    public static final String TOKEN_TYPE = "gen_ai.token.type";
    public static final String ERROR_TYPE = "error.type";
    public static final String INPUT_TOKENS = "gen_ai.usage.input_tokens";
    public static final String OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
    public static final String FINISH_REASONS = "gen_ai.response.finish_reasons";
    public static final String CACHE_READ_TOKENS = "gen_ai.usage.cache_read.input_tokens";
    public static final String CACHE_CREATION_TOKENS = "gen_ai.usage.cache_creation.input_tokens";
    public static final String REASONING_TOKENS = "gen_ai.usage.reasoning.output_tokens";
    /** Span attribute: seconds from the request to the first chunk of a streamed call. */
    public static final String RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
    public static final String ROLE = "fusion.call.role";
    public static final String STEP = "fusion.call.step";
    public static final String STATUS = "fusion.call.status";
    public static final String MEMBER = "fusion.member.id";
    public static final String STRATEGY = "fusion.strategy";
    public static final String OUTCOME = "fusion.ask.outcome";
    public static final String CALL_COST = "fusion.cost.usd";

    /** The only operation Fusion performs. */
    public static final String OPERATION_CHAT = "chat";
    /** {@value #TOKEN_TYPE} of prompt tokens (cached ones included). */
    public static final String TOKEN_INPUT = "input";
    /** {@value #TOKEN_TYPE} of generated tokens (reasoning included). */
    public static final String TOKEN_OUTPUT = "output";

    /** The convention's bucket boundaries for {@value #TOKEN_USAGE}. */
    static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304,
            16777216, 67108864};
    /** The convention's bucket boundaries, in seconds, for durations. */
    static final double[] DURATION_BUCKETS_SECONDS = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12,
            10.24, 20.48, 40.96, 81.92};

    private static final Map<String, String> WELL_KNOWN = Map.of(
            "gemini", "gcp.gemini",
            "moonshot", "moonshot_ai",
            "xai", "x_ai",
            "mistral", "mistral_ai");

    private GenAiConventions() {
    }

    /** The {@value #PROVIDER_NAME} value for a Fusion provider name (well-known value where one applies). */
    public static String providerName(String fusionProvider) {
        String lower = fusionProvider.toLowerCase(Locale.ROOT);
        return WELL_KNOWN.getOrDefault(lower, lower);
    }

    /**
     * The {@value #ERROR_TYPE} of a call that did not answer: the call error's type
     * ({@code http_429}, {@code timeout}, …), else the status name; null for an answered call.
     */
    public static String errorType(CallRecord record) {
        if (record.status() == CallStatus.OK) {
            return null;
        }
        if (record.error() != null && record.error().type() != null && !record.error().type().isBlank()) {
            // Mapped onto a fixed set: an in-band error's type is whatever the server sent.
            return dev.fusion.micrometer.internal.ErrorKind.tagValue(record.error().type());
        }
        return dev.fusion.micrometer.internal.ErrorKind.tagValue(record.status().wireName());
    }
}
