package dev.fusion.internal;

import dev.fusion.FusionListener;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;
import reactor.core.scheduler.Scheduler;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * A validated, immutable Fusion configuration, as built by {@code Fusion.Builder}. Internal: the
 * shape may change between releases.
 */
public record Settings(List<Member> panel, List<Member> judges, int quorum, Duration grace, Duration memberTimeout,
                       Duration judgeTimeout, Duration deadline, RetryPolicy retry, RetryPolicy judgeRetry,
                       int maxOutputTokens, int judgeMaxOutputTokens, BigDecimal budgetUsd, boolean allowUnpriced,
                       SpendLedger spendLedger, PriceBook priceBook, OnJudgeFailure onJudgeFailure,
                       TokenEstimator estimator, List<FusionListener> listeners, JudgePrompt judgePrompt,
                       Long shuffleSeed, boolean panelStreaming, boolean cacheJudgePrompt,
                       ProviderLimiter limiter, Scheduler scheduler, Strategy strategy, ResearchTools research) {
    public Settings {
        panel = List.copyOf(panel);
        judges = List.copyOf(judges);
        listeners = List.copyOf(listeners);
        strategy = strategy == null ? Strategy.synthesize() : strategy;
    }

    /** Settings without research tools. */
    public Settings(List<Member> panel, List<Member> judges, int quorum, Duration grace, Duration memberTimeout,
                    Duration judgeTimeout, Duration deadline, RetryPolicy retry, RetryPolicy judgeRetry,
                    int maxOutputTokens, int judgeMaxOutputTokens, BigDecimal budgetUsd, boolean allowUnpriced,
                    SpendLedger spendLedger, PriceBook priceBook, OnJudgeFailure onJudgeFailure,
                    TokenEstimator estimator, List<FusionListener> listeners, JudgePrompt judgePrompt,
                    Long shuffleSeed, boolean panelStreaming, boolean cacheJudgePrompt,
                    ProviderLimiter limiter, Scheduler scheduler, Strategy strategy) {
        this(panel, judges, quorum, grace, memberTimeout, judgeTimeout, deadline, retry, judgeRetry, maxOutputTokens,
                judgeMaxOutputTokens, budgetUsd, allowUnpriced, spendLedger, priceBook, onJudgeFailure, estimator,
                listeners, judgePrompt, shuffleSeed, panelStreaming, cacheJudgePrompt, limiter, scheduler, strategy, null);
    }

    /** Settings with the default {@code synthesize} strategy. */
    public Settings(List<Member> panel, List<Member> judges, int quorum, Duration grace, Duration memberTimeout,
                    Duration judgeTimeout, Duration deadline, RetryPolicy retry, RetryPolicy judgeRetry,
                    int maxOutputTokens, int judgeMaxOutputTokens, BigDecimal budgetUsd, boolean allowUnpriced,
                    SpendLedger spendLedger, PriceBook priceBook, OnJudgeFailure onJudgeFailure,
                    TokenEstimator estimator, List<FusionListener> listeners, JudgePrompt judgePrompt,
                    Long shuffleSeed, boolean panelStreaming, boolean cacheJudgePrompt,
                    ProviderLimiter limiter, Scheduler scheduler) {
        this(panel, judges, quorum, grace, memberTimeout, judgeTimeout, deadline, retry, judgeRetry, maxOutputTokens,
                judgeMaxOutputTokens, budgetUsd, allowUnpriced, spendLedger, priceBook, onJudgeFailure, estimator,
                listeners, judgePrompt, shuffleSeed, panelStreaming, cacheJudgePrompt, limiter, scheduler, null, null);
    }
}
