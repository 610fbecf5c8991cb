package dev.fusion.internal;

import dev.fusion.FusionRequest;
import dev.fusion.Member;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The settings one ask runs with, each worked out once in the one override order: the member's own
 * setting, then the request's, then the Fusion default. Pure and immutable.
 *
 * @param quorum              panel answers needed to judge
 * @param grace               straggler grace after the quorum (null = wait for every member)
 * @param deadline            the whole ask's deadline
 * @param budgetUsd           the per-ask budget, or null
 * @param seed                the shuffle seed (a random one when neither request nor Fusion sets it)
 * @param maxOutputTokens     the panel's output limit per call
 * @param memberTimeout       a panel call's timeout unless its member sets one
 * @param temperature         the panel's sampling temperature unless its member sets one (null = the model's default)
 */
record AskSettings(int quorum, Duration grace, Duration deadline, BigDecimal budgetUsd, long seed, int maxOutputTokens,
                   Duration memberTimeout, Double temperature) {

    /** The request's overrides over the Fusion defaults. */
    static AskSettings of(Settings s, FusionRequest req) {
        return new AskSettings(
                req.quorum() != null ? req.quorum() : s.quorum(),
                req.grace() != null ? req.grace() : s.grace(),
                req.deadline() != null ? req.deadline() : s.deadline(),
                req.budgetUsd() != null ? req.budgetUsd() : s.budgetUsd(),
                req.shuffleSeed() != null ? req.shuffleSeed()
                        : s.shuffleSeed() != null ? s.shuffleSeed() : ThreadLocalRandom.current().nextLong(),
                req.maxOutputTokens() != null ? req.maxOutputTokens() : s.maxOutputTokens(),
                req.memberTimeout() != null ? req.memberTimeout() : s.memberTimeout(),
                req.temperature());
    }

    /** A panel member's call timeout: its own, else the ask's. */
    Duration timeout(Member m) {
        return m.timeout() != null ? m.timeout() : memberTimeout;
    }

    /** A panel member's temperature: its own, else the ask's. */
    Double temperature(Member m) {
        return m.temperature() != null ? m.temperature() : temperature;
    }
}
