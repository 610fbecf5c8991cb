package dev.fusion.sandbox;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link WireServer} needs to know to answer: a {@link Script} per model id, what to
 * do for unknown models, optional random faults, and an optional required API key. Immutable and
 * thread-safe once built.
 *
 * <pre>{@code
 * Behaviour b = Behaviour.builder()
 *     .model("fast", Reply.text("hi").latencyMillis(20))
 *     .model("flaky", Script.failTimes(2, Fault.http(503), Script.echo()))
 *     .model("slow", Script.echo().withLatency(Duration.ofMillis(300)))
 *     .randomFaults(0.01, 42L, Fault.http(500), Fault.rateLimited(RetryAfter.seconds(1)))
 *     .build();
 * }</pre>
 */
public final class Behaviour {

    private final Map<String, Script> models;
    private final Script fallback;
    private final double faultProbability;
    private final long faultSeed;
    private final List<Fault> randomFaults;
    private final String requiredApiKey;
    private final java.time.Clock batchClock;
    private final java.time.Duration batchTurnaround;
    private final java.time.Duration batchWindow;

    private Behaviour(Builder b) {
        this.batchClock = b.batchClock;
        this.batchTurnaround = b.batchTurnaround;
        this.batchWindow = b.batchWindow;
        this.models = Map.copyOf(b.models);
        this.fallback = b.fallback;
        this.faultProbability = b.faultProbability;
        this.faultSeed = b.faultSeed;
        this.randomFaults = List.copyOf(b.randomFaults);
        this.requiredApiKey = b.requiredApiKey;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Every model, known or not, uses this script. */
    public static Behaviour of(Script script) {
        return builder().fallback(script).build();
    }

    /** Every model echoes the last user message immediately. */
    public static Behaviour echo() {
        return of(Script.echo());
    }

    /** The model ids with their own script. */
    public Set<String> models() {
        return models.keySet();
    }

    /** The clock batch jobs run on (a virtual one in tests). */
    public java.time.Clock batchClock() {
        return batchClock;
    }

    /** How long after submission a batch job ends (its items answered), on {@link #batchClock()}. */
    public java.time.Duration batchTurnaround() {
        return batchTurnaround;
    }

    /**
     * A batch job's completion window: a job whose turnaround is longer, or that holds an item whose reply
     * {@linkplain Fault#hang() hangs}, ends as expired when the window closes (finished items delivered,
     * the others expired).
     */
    public java.time.Duration batchWindow() {
        return batchWindow;
    }

    /** The API key every request must present, or null when any (or no) key is accepted. */
    public String requiredApiKey() {
        return requiredApiKey;
    }

    /**
     * Decides the reply to a request: 401 when a required key is missing or wrong; else, with the
     * configured probability, one of the random faults (chosen from the seed, the model and the
     * request's per-model sequence number, so the same run of requests faults the same way
     * whatever their interleaving); else the model's script, or the fallback for unknown models
     * (by default 404 "model not found").
     */
    public Reply decide(WireRequest request) {
        if (requiredApiKey != null && !requiredApiKey.equals(request.apiKey())) {
            return Reply.fault(Fault.http(401, request.apiKey() == null
                    ? "No API key provided (sandbox server requires one)."
                    : "Incorrect API key provided (sandbox server)."));
        }
        if (faultProbability > 0 && !randomFaults.isEmpty()) {
            long h = mix(faultSeed ^ mix(request.model().hashCode()) ^ mix(request.sequence() * 0x9E3779B97F4A7C15L));
            double u = (h >>> 11) * 0x1.0p-53;
            if (u < faultProbability) {
                int pick = (int) Math.floorMod(mix(h), (long) randomFaults.size());
                return Reply.fault(randomFaults.get(pick));
            }
        }
        Script s = models.getOrDefault(request.model(), fallback);
        Reply r = s.reply(request);
        return Objects.requireNonNull(r, "script returned a null reply for model " + request.model());
    }

    /** SplitMix64 finalizer. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Builds a {@link Behaviour}. Not thread-safe. */
    public static final class Builder {
        private final Map<String, Script> models = new LinkedHashMap<>();
        private Script fallback = r -> Reply.fault(Fault.http(404, "The model `" + r.model()
                + "` does not exist on this sandbox server."));
        private double faultProbability;
        private long faultSeed;
        private List<Fault> randomFaults = List.of();
        private String requiredApiKey;
        private java.time.Clock batchClock = java.time.Clock.systemUTC();
        private java.time.Duration batchTurnaround = java.time.Duration.ofSeconds(2);
        private java.time.Duration batchWindow = java.time.Duration.ofHours(24);

        private Builder() {
        }

        /** The script for one model id. */
        public Builder model(String id, Script script) {
            models.put(Objects.requireNonNull(id, "id"), Objects.requireNonNull(script, "script"));
            return this;
        }

        /** The same reply for every request to one model id. */
        public Builder model(String id, Reply reply) {
            return model(id, Script.always(reply));
        }

        /** All scripts of another behaviour (its fallback, faults and key are not copied). */
        public Builder models(Behaviour other) {
            models.putAll(other.models);
            return this;
        }

        /** The script for models without their own (default: 404 model not found). */
        public Builder fallback(Script script) {
            this.fallback = Objects.requireNonNull(script, "script");
            return this;
        }

        /**
         * Replace a fraction of replies with faults, chosen deterministically from the seed (for
         * load tests, e.g. {@code 0.01} for about 1%). Without faults given: 500, 503, and 429 with
         * {@code Retry-After: 1}.
         */
        public Builder randomFaults(double probability, long seed, Fault... faults) {
            if (!(probability >= 0 && probability <= 1)) {
                throw new IllegalArgumentException("probability must be within [0, 1], got " + probability);
            }
            this.faultProbability = probability;
            this.faultSeed = seed;
            this.randomFaults = faults.length == 0
                    ? List.of(Fault.http(500), Fault.http(503), Fault.rateLimited(RetryAfter.seconds(1)))
                    : List.of(faults);
            return this;
        }

        /** Require this API key (as Bearer token, {@code x-api-key}, {@code x-goog-api-key} or {@code ?key=}). */
        public Builder requireApiKey(String key) {
            this.requiredApiKey = key;
            return this;
        }

        /**
         * The batch APIs' timing: jobs run on {@code clock} (pass a virtual clock in tests) and end
         * {@code turnaround} after submission, or as expired at the end of {@code window} (see
         * {@link Behaviour#batchWindow()}). Defaults: the system clock, 2 s, 24 h.
         */
        public Builder batches(java.time.Clock clock, java.time.Duration turnaround, java.time.Duration window) {
            this.batchClock = Objects.requireNonNull(clock, "clock");
            if (turnaround.isNegative() || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("turnaround must be >= 0 and window > 0");
            }
            this.batchTurnaround = turnaround;
            this.batchWindow = window;
            return this;
        }

        public Behaviour build() {
            return new Behaviour(this);
        }
    }
}
