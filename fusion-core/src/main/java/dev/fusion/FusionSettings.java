package dev.fusion;

import dev.fusion.cost.PriceBook;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.judge.Strategy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;

/**
 * The effective configuration of a {@link Fusion}, as its builder validated it (defaults filled in,
 * price overrides applied to the price book): a read-only view for tools that show or estimate what
 * an ask will do, such as the CLI's cost preview. Changing it changes nothing; build another
 * {@code Fusion} for other settings. Per-request overrides ({@link FusionRequest}) are not included.
 *
 * <p>Immutable and thread-safe. Every component is non-null except {@link #grace()},
 * {@link #budgetUsd()} and {@link #shuffleSeed()}, which are null when not set.
 *
 * @param panel                the panel members, in order
 * @param judges               the judges, in fallback order
 * @param strategy             the strategy in force
 * @param quorum               answers needed before the grace period starts
 * @param grace                how long the remaining members get once the quorum answered; null: up to their timeout
 * @param memberTimeout        the default per-member timeout, retries included
 * @param judgeTimeout         the default judge timeout, retries included
 * @param deadline             the limit on a whole ask
 * @param retry                the panel members' retry policy
 * @param judgeRetry           the judges' retry policy
 * @param maxOutputTokens      max output tokens of each panel answer
 * @param judgeMaxOutputTokens max output tokens of the judge's answer
 * @param budgetUsd            the per-ask budget in USD; null: no budget
 * @param allowUnpriced        whether unpriced models are allowed under a budget
 * @param priceBook            the price book in force, overrides included
 * @param onJudgeFailure       what happens when every judge fails
 * @param estimator            the token estimator used for budget reservations
 * @param judgePrompt          the judge's prompt
 * @param shuffleSeed          the seed of the answer order shown to the judge; null: random per ask
 * @param panelStreaming       whether panel members stream their answers
 * @param cacheJudgePrompt     whether the judge's prompt is marked for provider prompt caching
 */
public record FusionSettings(List<Member> panel, List<Member> judges, Strategy strategy, int quorum, Duration grace,
                             Duration memberTimeout, Duration judgeTimeout, Duration deadline, RetryPolicy retry,
                             RetryPolicy judgeRetry, int maxOutputTokens, int judgeMaxOutputTokens, BigDecimal budgetUsd,
                             boolean allowUnpriced, PriceBook priceBook, OnJudgeFailure onJudgeFailure,
                             TokenEstimator estimator, JudgePrompt judgePrompt, Long shuffleSeed, boolean panelStreaming,
                             boolean cacheJudgePrompt) {

    /** Copies the lists; checks the non-null components. */
    public FusionSettings {
        panel = List.copyOf(panel);
        judges = List.copyOf(judges);
        java.util.Objects.requireNonNull(strategy, "strategy");
        java.util.Objects.requireNonNull(memberTimeout, "memberTimeout");
        java.util.Objects.requireNonNull(judgeTimeout, "judgeTimeout");
        java.util.Objects.requireNonNull(deadline, "deadline");
        java.util.Objects.requireNonNull(retry, "retry");
        java.util.Objects.requireNonNull(judgeRetry, "judgeRetry");
        java.util.Objects.requireNonNull(priceBook, "priceBook");
        java.util.Objects.requireNonNull(onJudgeFailure, "onJudgeFailure");
        java.util.Objects.requireNonNull(estimator, "estimator");
        java.util.Objects.requireNonNull(judgePrompt, "judgePrompt");
    }
}
