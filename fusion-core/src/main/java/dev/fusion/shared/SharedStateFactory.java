package dev.fusion.shared;

import dev.fusion.InvalidConfigurationException;

import java.util.ServiceLoader;

/**
 * Opens a {@link SharedState} for a URL scheme; found with {@link ServiceLoader} (register it in
 * {@code META-INF/services/dev.fusion.shared.SharedStateFactory}), so a config file's {@code shared:}
 * map can select an implementation that is only on the class path at run time.
 */
public interface SharedStateFactory {

    /** Whether this factory opens {@code url} (e.g. one starting with {@code redis://}). */
    boolean accepts(String url);

    /** Opens the store; connecting may be lazy. The caller closes it. */
    SharedState open(SharedStateOptions options);

    /**
     * Opens the store for {@code options} with the first factory on the class path that accepts its URL.
     *
     * @throws InvalidConfigurationException when no factory accepts it (e.g. fusion-redis is missing)
     */
    static SharedState load(SharedStateOptions options) {
        for (SharedStateFactory f : ServiceLoader.load(SharedStateFactory.class, SharedStateFactory.class.getClassLoader())) {
            if (f.accepts(options.url())) {
                return f.open(options);
            }
        }
        throw new InvalidConfigurationException("no shared-state implementation for '" + options.safeUrl()
                + "' on the class path; for redis:// add the fusion-redis module (dev.fusion:fusion-redis)");
    }
}
