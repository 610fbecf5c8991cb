/**
 * The spend cap and provider limits shared by every Fusion instance on one Redis
 * ({@link dev.fusion.redis.RedisSharedState}, an implementation of {@link dev.fusion.shared.SharedState}).
 *
 * <p><b>Why Lettuce with Lua scripts and not Bucket4j.</b> Bucket4j's Lettuce backend gives token
 * buckets (and weighted {@code tryConsume(n)} for tokens per minute), but Fusion needs more than buckets
 * in one atomic step: a spend reservation that is checked against {@code spent + reserved <= cap} with
 * per-instance leases, a concurrency semaphore whose permits expire when their holder dies, and one
 * admission that checks concurrency, requests per minute and tokens per minute together (so a call never
 * takes an RPM slot it then cannot use). Bucket4j has no leased semaphore and no reservation ledger, so
 * half of the state would live in hand-written scripts anyway, with two libraries' notions of time and
 * failure. Four short Lua scripts on Lettuce (EVALSHA, falling back to EVAL after a {@code NOSCRIPT})
 * keep every check-and-update atomic on the server, use the server's clock for every lease, and add one
 * dependency (Lettuce) whose reactive API never blocks a thread.
 *
 * <p>Keys live under {@code <namespace>:} so separate teams do not share a cap by accident. Money is
 * stored as whole nano-dollars (reservations and spend rounded up, so the shared total never
 * understates what was spent); caps up to $9,000,000 are exact.
 *
 * <p><b>Round trips off the ask's path.</b> A script call per reservation and per permit costs each
 * instance client CPU (encoding, the connection's thread, a hand-off per reply) that the in-memory state
 * does not pay. Under load, instances therefore hold capacity that Redis already counts as theirs and grant
 * from it locally: a spend account holds headroom under the cap (reservations + headroom + spend of every
 * instance never exceed the cap, checked by {@code spend.lua}); a concurrency-only gate keeps ended calls'
 * permits as spares (still counted in the permits set). Both are published or trimmed every tenth of a
 * second, renewed under the same leases (a dead instance's capacity expires with its lease), used only
 * while the connection is open and the store healthy, and given back within a tick when another instance
 * waits on them (a short-lived {@code squeeze} key the scripts set and every reply reports). Rate-limited
 * gates (requests or tokens per minute) admit every call in Redis: a start must be counted at its time.
 */
package dev.fusion.redis;
