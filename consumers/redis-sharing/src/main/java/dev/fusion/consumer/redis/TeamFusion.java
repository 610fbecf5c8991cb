package dev.fusion.consumer.redis;

import dev.fusion.Fusion;
import dev.fusion.providers.Providers;
import dev.fusion.redis.RedisSharedState;
import dev.fusion.sandbox.providers.SandboxProviders;
import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateOptions;

import java.math.BigDecimal;
import java.time.Duration;

/**
 * One application instance's fusion whose spend cap (and provider limits) live in Redis: every instance
 * opened on the same Redis URL and namespace shares one cap, as separate processes would.
 */
public final class TeamFusion implements AutoCloseable {

    private final RedisSharedState shared;
    private final Fusion fusion;

    public TeamFusion(SandboxProviders sandbox, String redisUrl, String namespace, BigDecimal capUsd) {
        this.shared = RedisSharedState.open(new SharedStateOptions(redisUrl, namespace, OnUnavailable.REFUSE,
                SharedStateOptions.DEFAULT_LEASE));
        Providers providers = sandbox.providers();
        this.fusion = Fusion.builder()
                .panel(providers.model("sandbox-openai:sandbox-swift"),
                       providers.model("sandbox-openai:sandbox-terse"))
                .judge(providers.model("sandbox-openai:sandbox-judge"))
                .priceBook(sandbox.priceBook())
                .quorum(2)
                .spendCapUsd(capUsd, Duration.ofHours(24))   // shared by every instance of the namespace
                .providerLimit("sandbox-openai", 8, 600)       // shared as well
                .sharedState(shared)
                .build();
    }

    public Fusion fusion() {
        return fusion;
    }

    @Override
    public void close() {
        shared.close();
    }
}
