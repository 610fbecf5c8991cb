package dev.fusion.server;

import java.time.Duration;

/**
 * What one server accepts. Immutable.
 *
 * @param maxBodyBytes      the largest request body; a larger one is answered 413 before it is read
 *                          (by its Content-Length) or as soon as the bytes read pass the bound
 * @param maxHeaderBytes    the largest request header block (431 beyond it)
 * @param maxConcurrentAsks asks running at once over all clients; more are answered 503 with Retry-After
 * @param drainTimeout      on shutdown, how long asks in flight get to finish before they are cancelled
 */
public record ServerLimits(int maxBodyBytes, int maxHeaderBytes, int maxConcurrentAsks, Duration drainTimeout) {

    /** 4 MiB bodies, 16 KiB headers, 256 asks at once, 30 s drain. */
    public static final ServerLimits DEFAULTS = new ServerLimits(4 << 20, 16 << 10, 256, Duration.ofSeconds(30));

    public ServerLimits {
        if (maxBodyBytes < 1024 || maxHeaderBytes < 1024 || maxConcurrentAsks < 1) {
            throw new IllegalArgumentException("maxBodyBytes and maxHeaderBytes must be >= 1024, maxConcurrentAsks >= 1");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must be >= 0");
        }
    }

    public ServerLimits withMaxBodyBytes(int bytes) {
        return new ServerLimits(bytes, maxHeaderBytes, maxConcurrentAsks, drainTimeout);
    }

    public ServerLimits withMaxConcurrentAsks(int asks) {
        return new ServerLimits(maxBodyBytes, maxHeaderBytes, asks, drainTimeout);
    }

    public ServerLimits withDrainTimeout(Duration timeout) {
        return new ServerLimits(maxBodyBytes, maxHeaderBytes, maxConcurrentAsks, timeout);
    }
}
