/**
 * State that several Fusion instances (JVMs, pods, workers) must share to keep one limit: the spend
 * cap's reservations and spend, provider concurrency permits, and request/token rate buckets.
 *
 * <p>{@link dev.fusion.shared.SharedState} is the SPI. The default implementation,
 * {@link dev.fusion.shared.SharedState#local}, keeps everything in this JVM (each instance has its own
 * cap and limits). {@code fusion-redis} implements it on Redis; a config file's {@code shared:} map
 * selects an implementation through {@link dev.fusion.shared.SharedStateFactory} (ServiceLoader), so
 * nothing depends on the Redis module at compile time.
 *
 * <p>Operations that may cross the network return a {@link reactor.core.publisher.Mono} and never block
 * the calling thread; the in-memory implementation completes them at once on the calling thread.
 */
package dev.fusion.shared;
