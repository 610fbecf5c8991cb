package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.internal.AskRun;
import dev.fusion.internal.ProviderLimiter;
import dev.fusion.internal.Settings;
import dev.fusion.internal.SpendLedger;
import dev.fusion.internal.StrategyRegistry;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import dev.fusion.internal.CallerRuns;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Asks a panel of models the same question concurrently and has a judge merge their answers into
 * one, costing every call.
 *
 * <pre>{@code
 * Fusion fusion = Fusion.builder()
 *     .panel(deepseek, kimi, geminiFlash)
 *     .judge(claude)
 *     .quorum(2).grace(Duration.ofSeconds(5))
 *     .build();
 * FusionResult r = fusion.ask("Review this design ...");
 * System.out.println(r.answer() + " $" + r.totalCostUsd());
 * }</pre>
 *
 * <p>A {@code Fusion} is immutable and thread-safe: build one and share it. Every ask is
 * independent; the only state shared across asks is the optional spend cap
 * ({@link Builder#spendCapUsd}) and provider limits ({@link Builder#providerLimit}).
 *
 * <p>Bad configuration fails in {@link Builder#build()} and bad requests fail in {@code ask*}
 * with {@link InvalidConfigurationException} before any model is called. Runtime failures of single
 * calls never escape: they are recorded in {@link FusionResult#calls()}. An ask fails as a whole
 * only with {@link QuorumNotMetException}, {@link JudgeFailedException} or
 * {@link BudgetExceededException}, each carrying what is known.
 */
public final class Fusion {

    private final Settings settings;
    private final FusionSettings view;

    private Fusion(Settings settings) {
        this.settings = settings;
        this.view = new FusionSettings(settings.panel(), settings.judges(), settings.strategy(), settings.quorum(),
                settings.grace(), settings.memberTimeout(), settings.judgeTimeout(), settings.deadline(), settings.retry(),
                settings.judgeRetry(), settings.maxOutputTokens(), settings.judgeMaxOutputTokens(), settings.budgetUsd(),
                settings.allowUnpriced(), settings.priceBook(), settings.onJudgeFailure(), settings.estimator(),
                settings.judgePrompt(), settings.shuffleSeed(), settings.panelStreaming(), settings.cacheJudgePrompt());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Asks and waits for the result. Must not be called on a Reactor non-blocking thread. */
    public FusionResult ask(String prompt) {
        return ask(FusionRequest.of(prompt));
    }

    /**
     * Asks and waits for the result. Must not be called on a Reactor non-blocking thread. While it
     * waits, the calling thread runs one panel call and the judge calls itself (fewer thread
     * hand-offs); timeouts, the deadline and cancellation work as for {@link #askAsync}. An
     * interrupt ends the wait and cancels the ask, but while the caller is inside one of those calls
     * (blocked on its socket) it takes effect when that call ends, times out or hits the deadline.
     *
     * <p>A failure is thrown on the calling thread, so the caller's frame is in its stack trace: a
     * new exception of the same type ({@link QuorumNotMetException}, {@link JudgeFailedException},
     * {@link BudgetExceededException}, ...) with the same message and data, whose cause is the
     * original exception from the thread where the ask failed.
     */
    public FusionResult ask(FusionRequest request) {
        Objects.requireNonNull(request, "request");
        CallerRuns runs = new CallerRuns(settings.scheduler()::schedule);
        try {
            return runs.await(askAsync(request));
        } catch (RuntimeException e) {
            throw CallerSite.rethrow(e);
        }
    }

    /**
     * Asks, streaming the judge's answer, and waits for the result: a blocking convenience for code
     * that does not use Reactor. {@code onEvent} receives every {@link FusionEvent} serially (panel
     * progress, judge deltas) on Fusion's threads; keep it quick.
     */
    public FusionResult ask(FusionRequest request, Consumer<FusionEvent> onEvent) {
        Objects.requireNonNull(onEvent, "onEvent");
        try {
            return stream(request).doOnNext(onEvent).ofType(FusionEvent.Completed.class).next()
                    .map(FusionEvent.Completed::result).block();
        } catch (RuntimeException e) {
            throw CallerSite.rethrow(e);
        }
    }

    /** The ask as a lazy {@link Mono}; cancelling it cancels every call in flight. */
    public Mono<FusionResult> askAsync(FusionRequest request) {
        Objects.requireNonNull(request, "request");
        return AskRun.run(settings, request, false).ofType(FusionEvent.Completed.class).next()
                .map(FusionEvent.Completed::result);
    }

    /** Asks with just a prompt. */
    public Mono<FusionResult> askAsync(String prompt) {
        return Mono.defer(() -> askAsync(FusionRequest.of(prompt)));
    }

    /**
     * The ask as a stream of events: members starting and ending, the judge's text as it is
     * generated, then {@link FusionEvent.Completed}. See {@link FusionEvent} for ordering
     * guarantees. Cancelling the subscription cancels every call in flight.
     */
    public Flux<FusionEvent> stream(FusionRequest request) {
        Objects.requireNonNull(request, "request");
        return AskRun.run(settings, request, true);
    }

    /**
     * What an ask of {@code request} would reserve, without making any call: the same checks and
     * budget planning the ask runs first, so {@link AskPlan#verdict()} is the ask's verdict (an
     * {@link AskPlan.Verdict#EXCEEDED} plan carries the {@link BudgetExceededException} the ask would
     * fail with). Reads what is left under the spend cap now (on a shared spend store this waits
     * for the store); reserves nothing.
     *
     * @throws InvalidConfigurationException when the request does not fit this Fusion (as the ask would)
     */
    public AskPlan plan(FusionRequest request) {
        Objects.requireNonNull(request, "request");
        return AskRun.plan(settings, request, settings.spendLedger().remaining());
    }

    /** Spent so far under the spend cap's current window (all asks of this instance when no window is set). */
    public BigDecimal spentUsd() {
        return settings.spendLedger().spent();
    }

    /** The panel, in order. */
    public List<Member> panel() {
        return settings.panel();
    }

    /** The judges in fallback order. */
    public List<Member> judges() {
        return settings.judges();
    }

    /** The strategy in force (default {@link Strategy#synthesize()}). */
    public Strategy strategy() {
        return settings.strategy();
    }

    /** The price book in force (bundled or given, with overrides). */
    public PriceBook priceBook() {
        return settings.priceBook();
    }

    /**
     * A multi-step task whose asks share one budget of {@code budgetUsd} (an agent's tool loop): see
     * {@link Conversation}.
     *
     * @throws InvalidConfigurationException when the budget is negative
     */
    public Conversation conversation(BigDecimal budgetUsd) {
        return new Conversation(this, budgetUsd);
    }

    /** The effective configuration, for tools that show or estimate it (immutable). */
    public FusionSettings settings() {
        return view;
    }

    @Override
    public String toString() {
        return "Fusion[strategy=" + settings.strategy().name() + ", panel="
                + settings.panel().stream().map(Member::id).toList() + ", judges="
                + settings.judges().stream().map(Member::id).toList() + ", quorum=" + settings.quorum() + "]";
    }

    /**
     * The longest timeout, grace or deadline: 365 days. Timers count in nanoseconds, which a longer
     * duration can overflow (from about 292 years), so a "forever" value is refused when it is set, not
     * when an ask starts.
     */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    static void requirePositiveOrNull(String name, Duration d, boolean zeroOk) {
        if (d != null && (d.isNegative() || (!zeroOk && d.isZero()))) {
            throw new InvalidConfigurationException(name + " must be " + (zeroOk ? "zero or positive" : "positive")
                    + ", was " + (d.getSeconds() > -1_000_000_000L ? d.toMillis() + " ms" : d.toString()));
        }
        if (d != null && d.compareTo(MAX_DURATION) > 0) {
            throw new InvalidConfigurationException(name + " must be at most 365 days, was " + d
                    + "; for no practical limit use a long but finite duration, such as Duration.ofDays(1)");
        }
    }

    /** Mutable builder; not thread-safe. {@link #build()} validates everything. */
    public static final class Builder {
        private final List<Member> panel = new ArrayList<>();
        private final List<Member> judges = new ArrayList<>();
        private int quorum = 1;
        private Duration grace;
        private Duration memberTimeout = Duration.ofSeconds(60);
        private Duration judgeTimeout = Duration.ofSeconds(120);
        private Duration deadline = Duration.ofSeconds(180);
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private RetryPolicy judgeRetry = RetryPolicy.DEFAULT;
        private int maxOutputTokens = 1024;
        private int judgeMaxOutputTokens = 2048;
        private BigDecimal budgetUsd;
        private boolean allowUnpriced;
        private BigDecimal spendCapUsd;
        private Duration spendCapWindow;
        private PriceBook priceBook = PriceBook.empty();
        private final Map<String, Price> priceOverrides = new LinkedHashMap<>();
        private OnJudgeFailure onJudgeFailure = OnJudgeFailure.FAIL;
        private TokenEstimator estimator = TokenEstimator.defaultEstimator();
        private final List<FusionListener> listeners = new ArrayList<>();
        private JudgePrompt judgePrompt = JudgePrompt.synthesize();
        private Strategy strategy = Strategy.synthesize();
        private Long shuffleSeed;
        private boolean panelStreaming = true;
        private boolean cacheJudgePrompt;
        private final Map<String, ProviderLimiter.Limit> limits = new LinkedHashMap<>();
        private Scheduler scheduler = dev.fusion.internal.FusionTimer.shared();
        private Clock clock = Clock.systemUTC();
        private dev.fusion.shared.SharedState sharedState;
        private final Map<String, dev.fusion.model.ToolSpec> researchSpecs = new LinkedHashMap<>();
        private final Map<String, ResearchToolExecutor> researchExecutors = new LinkedHashMap<>();
        private int researchMaxSteps = dev.fusion.internal.ResearchTools.DEFAULT_MAX_STEPS;
        private Duration researchToolTimeout = dev.fusion.internal.ResearchTools.DEFAULT_TOOL_TIMEOUT;
        private int researchResultMaxChars = dev.fusion.internal.ResearchTools.DEFAULT_MAX_RESULT_CHARS;
        private java.util.concurrent.ExecutorService researchPool;

        private Builder() {
        }

        /** Adds models to the panel, each named {@code provider:model}. */
        public Builder panel(ChatModel... models) {
            for (ChatModel m : models) {
                panel.add(Member.of(Objects.requireNonNull(m, "panel model")));
            }
            return this;
        }

        /** Adds models to the panel, each named {@code provider:model}. */
        public Builder panel(List<? extends ChatModel> models) {
            return panel(models.toArray(new ChatModel[0]));
        }

        /** Removes every panel member added so far (to replace a panel loaded from a config file). */
        public Builder clearPanel() {
            panel.clear();
            return this;
        }

        /** Adds a configured member to the panel. */
        public Builder member(Member member) {
            panel.add(Objects.requireNonNull(member, "member"));
            return this;
        }

        /** Sets the judge (replacing any judges set before). */
        public Builder judge(ChatModel judge) {
            judges.clear();
            judges.add(Member.of(Objects.requireNonNull(judge, "judge")));
            return this;
        }

        /** Sets the judge as a configured member (replacing any judges set before). */
        public Builder judge(Member judge) {
            judges.clear();
            judges.add(Objects.requireNonNull(judge, "judge"));
            return this;
        }

        /** Adds a fallback judge, tried when the judges before it fail. */
        public Builder fallbackJudge(ChatModel judge) {
            judges.add(Member.of(Objects.requireNonNull(judge, "fallback judge")));
            return this;
        }

        /** Adds a fallback judge as a configured member. */
        public Builder fallbackJudge(Member judge) {
            judges.add(Objects.requireNonNull(judge, "fallback judge"));
            return this;
        }

        /** Minimum successful panel answers needed to judge (default 1). */
        public Builder quorum(int quorum) { this.quorum = quorum; return this; }

        /**
         * How long to wait for the remaining members once the quorum has answered; then they are
         * cancelled. Null (the default) waits for every member up to its timeout.
         */
        public Builder grace(Duration grace) { this.grace = grace; return this; }

        /** Default per-member timeout, retries included (default 60 s). */
        public Builder memberTimeout(Duration timeout) { this.memberTimeout = timeout; return this; }

        /** Default judge timeout, retries included (default 120 s). */
        public Builder judgeTimeout(Duration timeout) { this.judgeTimeout = timeout; return this; }

        /** Hard limit on a whole ask, queueing, panel and judge included (default 180 s). */
        public Builder deadline(Duration deadline) { this.deadline = deadline; return this; }

        /** Retry policy for panel members (default {@link RetryPolicy#DEFAULT}). */
        public Builder retry(RetryPolicy retry) { this.retry = Objects.requireNonNull(retry); return this; }

        /** Retry policy for judges (default {@link RetryPolicy#DEFAULT}). */
        public Builder judgeRetry(RetryPolicy retry) { this.judgeRetry = Objects.requireNonNull(retry); return this; }

        /** Max output tokens of each panel answer (default 1024). */
        public Builder maxOutputTokens(int max) { this.maxOutputTokens = max; return this; }

        /** Max output tokens of the judge's answer (default 2048). */
        public Builder judgeMaxOutputTokens(int max) { this.judgeMaxOutputTokens = max; return this; }

        /**
         * A hard USD budget per ask, enforced by reserving each call's worst case before it starts
         * (judge first; members that do not fit are skipped).
         */
        public Builder budgetUsd(BigDecimal budget) { this.budgetUsd = budget; return this; }

        /** Allows models without a price under a budget or spend cap; their spend cannot be bounded. */
        public Builder allowUnpriced(boolean allow) { this.allowUnpriced = allow; return this; }

        /** A spend cap across all asks of this instance; null window = for the instance's lifetime. */
        public Builder spendCapUsd(BigDecimal cap, Duration window) {
            this.spendCapUsd = cap;
            this.spendCapWindow = window;
            return this;
        }

        /** The price book (default: empty; {@code fusion-providers} bundles a sourced one). */
        public Builder priceBook(PriceBook book) { this.priceBook = Objects.requireNonNull(book); return this; }

        /** Overrides or adds one model's price. */
        public Builder price(String model, Price price) {
            priceOverrides.put(ModelRef.parse(model).toString(), Objects.requireNonNull(price));
            return this;
        }

        /** What to do when every judge fails (default {@link OnJudgeFailure#FAIL}). */
        public Builder onJudgeFailure(OnJudgeFailure policy) { this.onJudgeFailure = Objects.requireNonNull(policy); return this; }

        /** Token estimator for budget reservations. */
        public Builder tokenEstimator(TokenEstimator e) { this.estimator = Objects.requireNonNull(e); return this; }

        /** Adds a listener for call starts, first tokens and ends. */
        public Builder listener(FusionListener l) { listeners.add(Objects.requireNonNull(l)); return this; }

        /** The judge's prompt (default {@link JudgePrompt#synthesize()}). */
        public Builder judgePrompt(JudgePrompt prompt) { this.judgePrompt = Objects.requireNonNull(prompt); return this; }

        /**
         * How panel answers become the final answer (default {@link Strategy#synthesize()}); see
         * {@link Strategy} for {@code analyze}, {@code select-best}, {@code self-moa}, {@code layered}
         * and {@code cascade}. {@link Strategy.SelfMoa} needs exactly one panel member, which
         * {@link #build()} expands into the samples.
         */
        public Builder strategy(Strategy strategy) { this.strategy = Objects.requireNonNull(strategy, "strategy"); return this; }

        /**
         * Self-MoA in one line: makes {@code model} the panel's only member and samples it
         * {@code samples} times ({@link Strategy#selfMoa(int)}). Members are named
         * {@code provider:model#1..N}.
         */
        public Builder selfMoa(ChatModel model, int samples) {
            return selfMoa(Member.of(Objects.requireNonNull(model, "model")), samples);
        }

        /** Self-MoA with a configured member (its id, timeout, retry and seed are kept; ids get {@code #1..N}). */
        public Builder selfMoa(Member member, int samples) {
            panel.clear();
            panel.add(Objects.requireNonNull(member, "member"));
            this.strategy = Strategy.selfMoa(samples);
            return this;
        }

        /**
         * Registers a read-only research tool (retrieval, a search, a calculator) that every panel member may
         * call in its own loop before answering: the member is offered the tool; when it calls research tools
         * only, Fusion runs them with {@code executor} (off the ask's lock, on a bounded pool, each call bounded
         * by {@link #researchToolTimeout} and its result by {@link #researchResultMaxChars}) and calls the
         * member again with the results, for at most {@link #researchMaxSteps} model calls per member. Every
         * step is a call record ({@link CallStep#RESEARCH} with the calls and an excerpt of each result) and a
         * {@link FusionEvent.MemberToolCall} per tool call; the member's last step is its answer, which the
         * judge sees as usual. A tool that throws or times out gives the member an error result; the ask
         * goes on. Under a budget every further step reserves its own worst case; a step that does not fit
         * is not started and the member answers with what it has.
         *
         * @param spec     the tool as the members see it; its name must not repeat
         * @param executor runs the calls; must be thread-safe (see {@link ResearchToolExecutor})
         */
        public Builder researchTool(dev.fusion.model.ToolSpec spec, ResearchToolExecutor executor) {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(executor, "executor");
            if (researchSpecs.containsKey(spec.name())) {
                throw new InvalidConfigurationException("research tool '" + spec.name() + "' is registered twice");
            }
            researchSpecs.put(spec.name(), spec);
            researchExecutors.put(spec.name(), executor);
            return this;
        }

        /**
         * The most model calls a panel member makes per round with research tools, the last one asked to
         * answer (default 4, 1 to 16; 1 offers the tools but never runs them).
         */
        public Builder researchMaxSteps(int steps) { this.researchMaxSteps = steps; return this; }

        /** The timeout of one research tool call (default 10 s); past it the call is interrupted and the member gets an error result. */
        public Builder researchToolTimeout(Duration timeout) { this.researchToolTimeout = Objects.requireNonNull(timeout); return this; }

        /** The most characters of a research tool's result sent back to the member (default 16384); the rest is cut with a note. */
        public Builder researchResultMaxChars(int chars) { this.researchResultMaxChars = chars; return this; }

        /**
         * Where research tools run (default: a shared pool of up to 32 daemon threads with at most 1024 calls
         * waiting). Must be bounded; Fusion never shuts it down. A call it rejects gets an error result.
         */
        public Builder researchPool(java.util.concurrent.ExecutorService pool) { this.researchPool = Objects.requireNonNull(pool); return this; }

        /** Fixes the seed that shuffles answers for the judge (default: random per ask, recorded in the result). */
        public Builder shuffleSeed(long seed) { this.shuffleSeed = seed; return this; }

        /**
         * Streams panel calls (default true): gives time-to-first-token per member, and a call cancelled by
         * the grace, the deadline or the caller closes its stream, which stops generation on the server at
         * once (a non-streamed request keeps generating, and billing, until it completes). The record has
         * the same fields either way.
         */
        public Builder panelStreaming(boolean stream) { this.panelStreaming = stream; return this; }

        /** Marks the judge's fixed system prompt for provider prompt caching where that is explicit (Anthropic). */
        public Builder cacheJudgePrompt(boolean cache) { this.cacheJudgePrompt = cache; return this; }

        /**
         * Limits calls to one provider across all asks of this instance: at most
         * {@code maxConcurrent} in flight and {@code requestsPerMinute} starts per minute (0 = no
         * limit). Calls over the limit queue; queueing counts against the deadline.
         */
        public Builder providerLimit(String provider, int maxConcurrent, int requestsPerMinute) {
            if (maxConcurrent < 0 || requestsPerMinute < 0) {
                throw new InvalidConfigurationException("provider limits for '" + provider + "' cannot be negative");
            }
            limits.put(provider, new ProviderLimiter.Limit(maxConcurrent, requestsPerMinute));
            return this;
        }

        /**
         * As {@link #providerLimit(String, int, int)}, plus at most {@code tokensPerMinute} tokens per
         * minute (0 = no limit): a call books its estimated prompt plus output limit when it starts and
         * the provider's reported total when it ends.
         */
        public Builder providerLimit(String provider, int maxConcurrent, int requestsPerMinute, long tokensPerMinute) {
            if (maxConcurrent < 0 || requestsPerMinute < 0 || tokensPerMinute < 0) {
                throw new InvalidConfigurationException("provider limits for '" + provider + "' cannot be negative");
            }
            limits.put(provider, new ProviderLimiter.Limit(maxConcurrent, requestsPerMinute, tokensPerMinute));
            return this;
        }

        /**
         * Keeps the spend cap and the provider limits in {@code state}, shared with every instance using
         * the same store and namespace (e.g. {@code RedisSharedState} from fusion-redis); default: in
         * memory, per instance. The caller owns {@code state} and closes it after the last ask.
         */
        public Builder sharedState(dev.fusion.shared.SharedState state) {
            this.sharedState = Objects.requireNonNull(state);
            return this;
        }

        /**
         * Scheduler for timers (timeouts, grace, deadline, backoff, rate-limit waits). The default is
         * Fusion's shared timer, which wakes a thread only when a timer is due (armed-and-cancelled
         * call timeouts cost no thread wake-up, unlike {@link Schedulers#parallel()}); tasks run on
         * virtual threads on Java 21+, else on a small daemon pool. What is left of the ask's deadline
         * and of a call's timeout is read from this scheduler's clock ({@link Scheduler#now}), the one
         * its timers run on: a virtual-time scheduler (reactor-test's {@code VirtualTimeScheduler})
         * therefore runs the whole ask in virtual time.
         */
        public Builder scheduler(Scheduler scheduler) { this.scheduler = Objects.requireNonNull(scheduler); return this; }

        /** Clock for the spend cap's window (tests). */
        public Builder clock(Clock clock) { this.clock = Objects.requireNonNull(clock); return this; }

        /**
         * Validates and builds.
         *
         * @throws InvalidConfigurationException naming what is wrong and how to fix it
         */
        public Fusion build() {
            if (panel.isEmpty()) {
                throw new InvalidConfigurationException("the panel is empty; add at least one model with panel(...) or member(...)");
            }
            if (judges.isEmpty()) {
                throw new InvalidConfigurationException("no judge; set one with judge(...)");
            }
            List<Member> panel = StrategyRegistry.panelFor(strategy, this.panel);
            List<Member> flagships = StrategyRegistry.flagshipsFor(strategy);
            Set<String> ids = new HashSet<>();
            for (Member m : flagships) {
                if (!ids.add(m.id())) {
                    throw new InvalidConfigurationException("duplicate cascade flagship id '" + m.id() + "'");
                }
            }
            for (Member m : panel) {
                if (!ids.add(m.id())) {
                    throw new InvalidConfigurationException("duplicate panel member id '" + m.id()
                            + "'; give repeated models distinct ids with Member.of(\"name\", model)"
                            + (flagships.isEmpty() ? "" : " (cascade flagships count too)"));
                }
            }
            if (quorum < 1 || quorum > panel.size()) {
                throw new InvalidConfigurationException("quorum must be between 1 and the panel size (" + panel.size()
                        + "), was " + quorum);
            }
            requirePositiveOrNull("grace", grace, true);
            requirePositiveOrNull("memberTimeout", Objects.requireNonNull(memberTimeout, "memberTimeout"), false);
            requirePositiveOrNull("judgeTimeout", Objects.requireNonNull(judgeTimeout, "judgeTimeout"), false);
            requirePositiveOrNull("deadline", Objects.requireNonNull(deadline, "deadline"), false);
            if (maxOutputTokens <= 0 || judgeMaxOutputTokens <= 0) {
                throw new InvalidConfigurationException("maxOutputTokens and judgeMaxOutputTokens must be positive");
            }
            if (budgetUsd != null && budgetUsd.signum() < 0) {
                throw new InvalidConfigurationException("budgetUsd cannot be negative, was " + budgetUsd.toPlainString());
            }
            if (spendCapUsd != null && spendCapUsd.signum() < 0) {
                throw new InvalidConfigurationException("spend cap cannot be negative, was " + spendCapUsd.toPlainString());
            }
            if (spendCapWindow != null && (spendCapWindow.isZero() || spendCapWindow.isNegative())) {
                throw new InvalidConfigurationException("spend cap window must be positive");
            }
            PriceBook book = priceBook;
            for (Map.Entry<String, Price> e : priceOverrides.entrySet()) {
                book = book.with(ModelRef.parse(e.getKey()), e.getValue());
            }
            if ((budgetUsd != null || spendCapUsd != null) && !allowUnpriced) {
                Set<String> unpriced = new TreeSet<>();
                for (Member m : panel) {
                    if (book.find(m.model().ref()).isEmpty()) {
                        unpriced.add(m.model().ref().toString());
                    }
                }
                for (Member m : flagships) {
                    if (book.find(m.model().ref()).isEmpty()) {
                        unpriced.add(m.model().ref().toString());
                    }
                }
                for (Member m : judges) {
                    if (book.find(m.model().ref()).isEmpty()) {
                        unpriced.add(m.model().ref().toString());
                    }
                }
                if (!unpriced.isEmpty()) {
                    throw new InvalidConfigurationException("a budget needs a price for every model, but these have none: "
                            + unpriced + "; add prices with price(\"provider:model\", Price.of(...)) (or prices: in the"
                            + " config file), or allow unbounded spend on them with allowUnpriced(true)");
                }
            }
            if (researchMaxSteps < 1 || researchMaxSteps > dev.fusion.internal.ResearchTools.MAX_STEPS) {
                throw new InvalidConfigurationException("researchMaxSteps must be between 1 and "
                        + dev.fusion.internal.ResearchTools.MAX_STEPS + ", was " + researchMaxSteps);
            }
            requirePositiveOrNull("researchToolTimeout", researchToolTimeout, false);
            if (researchResultMaxChars < 1 || researchResultMaxChars > dev.fusion.model.ToolResult.MAX_CONTENT_CHARS - 64) {
                throw new InvalidConfigurationException("researchResultMaxChars must be between 1 and "
                        + (dev.fusion.model.ToolResult.MAX_CONTENT_CHARS - 64) + ", was " + researchResultMaxChars);
            }
            dev.fusion.internal.ResearchTools research = researchSpecs.isEmpty() ? null
                    : new dev.fusion.internal.ResearchTools(List.copyOf(researchSpecs.values()), researchExecutors,
                    researchMaxSteps, researchToolTimeout, researchResultMaxChars,
                    researchPool != null ? researchPool : dev.fusion.internal.ResearchTools.sharedPool());
            dev.fusion.internal.CutOffTokens.warmUp(); // cut-off calls are costed by the tokenizer
            dev.fusion.shared.SharedState state = sharedState != null ? sharedState
                    : dev.fusion.shared.SharedState.local(scheduler);
            SpendLedger ledger = new SpendLedger(state.spendAccount(spendCapUsd, spendCapWindow, clock),
                    spendCapUsd, spendCapWindow);
            return new Fusion(new Settings(panel, judges, quorum, grace, memberTimeout, judgeTimeout, deadline, retry,
                    judgeRetry, maxOutputTokens, judgeMaxOutputTokens, budgetUsd, allowUnpriced, ledger, book,
                    onJudgeFailure, estimator, listeners, judgePrompt, shuffleSeed, panelStreaming, cacheJudgePrompt,
                    new ProviderLimiter(limits, state, estimator), scheduler, strategy, research));
        }
    }
}
