package dev.fusion.redis.internal;

import dev.fusion.shared.OnUnavailable;
import dev.fusion.shared.SharedStateUnavailableException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Optional;

/**
 * Whether the store answered its last command, shared by every account and gate of one store: the
 * degraded note while it does not, and the typed error for {@link OnUnavailable#REFUSE}. Thread-safe.
 */
public final class Health {

    private static final Logger log = LoggerFactory.getLogger(Health.class);

    private final String store;
    private final OnUnavailable onUnavailable;
    private volatile Instant downSince;
    private volatile String lastError;
    private volatile boolean closing;

    public Health(String store, OnUnavailable onUnavailable) {
        this.store = store;
        this.onUnavailable = onUnavailable;
    }

    public OnUnavailable onUnavailable() {
        return onUnavailable;
    }

    public String store() {
        return store;
    }

    public void up() {
        if (downSince != null) {
            synchronized (this) {
                if (downSince != null) {
                    log.info("shared state {} is reachable again; the spend cap and provider limits are shared again", store);
                    downSince = null;
                }
            }
        }
    }

    /** The store is being closed: failures from now on are the closing, not an outage. */
    public void closing() {
        closing = true;
    }

    public void down(Throwable e) {
        if (closing) {
            return;
        }
        lastError = describe(e);
        if (downSince == null) {
            synchronized (this) {
                if (downSince == null) {
                    downSince = Instant.now();
                    log.warn("shared state {} is unavailable ({}); {}", store, lastError,
                            onUnavailable == OnUnavailable.REFUSE ? "asks are refused until it returns"
                                    : "the spend cap and provider limits hold per instance until it returns");
                }
            }
        }
    }

    public boolean isDown() {
        return downSince != null;
    }

    /** The error for a refused ask or call. */
    public SharedStateUnavailableException refusal(Throwable cause) {
        return new SharedStateUnavailableException(store, describe(cause), cause);
    }

    /** The note for results while degraded (only with {@link OnUnavailable#LOCAL}). */
    public Optional<String> note() {
        Instant since = downSince;
        if (since == null || onUnavailable != OnUnavailable.LOCAL) {
            return Optional.empty();
        }
        return Optional.of("degraded: shared state " + store + " unreachable since " + since + " (" + lastError
                + "); the spend cap and provider limits held per instance for this ask (onUnavailable: local)");
    }

    private static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getMessage() == null) {
            t = t.getCause();
        }
        String m = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        // Lettuce messages name host and port, never the password; still, keep it short.
        return m.length() > 200 ? m.substring(0, 200) + "..." : m;
    }
}
