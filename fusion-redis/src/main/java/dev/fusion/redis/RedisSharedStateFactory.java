package dev.fusion.redis;

import dev.fusion.shared.SharedState;
import dev.fusion.shared.SharedStateFactory;
import dev.fusion.shared.SharedStateOptions;

/** Opens {@link RedisSharedState} for {@code redis://} and {@code rediss://} URLs (found by ServiceLoader). */
public final class RedisSharedStateFactory implements SharedStateFactory {

    @Override
    public boolean accepts(String url) {
        return url.startsWith("redis://") || url.startsWith("rediss://");
    }

    @Override
    public SharedState open(SharedStateOptions options) {
        return RedisSharedState.open(options);
    }
}
