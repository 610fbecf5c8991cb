package dev.fusion.shared;

import java.time.Duration;
import java.util.Objects;

/**
 * Where shared state lives and how it behaves, as in the config file's
 * {@code shared: {redis: "redis://127.0.0.1:6379/0", namespace: "team-a", onUnavailable: refuse, leaseMs: 30000}}.
 *
 * @param url           the store's address (its scheme selects the {@link SharedStateFactory}, e.g. {@code redis://})
 * @param namespace     prefix of every key, so separate teams do not share a cap by accident
 * @param onUnavailable what to do while the store cannot be reached
 * @param lease         how long a reservation or permit outlives an instance that died holding it;
 *                      renewed while its call runs
 */
public record SharedStateOptions(String url, String namespace, OnUnavailable onUnavailable, Duration lease) {

    /** The default lease period. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

    public SharedStateOptions {
        Objects.requireNonNull(url, "url");
        namespace = namespace == null || namespace.isBlank() ? "fusion" : namespace;
        onUnavailable = onUnavailable == null ? OnUnavailable.REFUSE : onUnavailable;
        lease = lease == null ? DEFAULT_LEASE : lease;
        if (!namespace.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw new IllegalArgumentException("namespace must be 1-64 letters, digits, '.', '_', ':' or '-', was '"
                    + namespace + "'");
        }
        if (lease.toMillis() < 100 || lease.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("leaseMs must be between 100 and 3600000, was " + lease.toMillis());
        }
    }

    /** The URL without credentials (for messages and logs). */
    public String safeUrl() {
        int at = url.indexOf('@');
        int scheme = url.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? url.substring(0, scheme + 3) + "***@" + url.substring(at + 1) : url;
    }

    /** Never shows credentials. */
    @Override
    public String toString() {
        return "SharedStateOptions[url=" + safeUrl() + ", namespace=" + namespace + ", onUnavailable="
                + onUnavailable.wireName() + ", leaseMs=" + lease.toMillis() + "]";
    }
}
