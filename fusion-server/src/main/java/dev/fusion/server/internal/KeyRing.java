package dev.fusion.server.internal;

import dev.fusion.server.GatewayKey;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SpendAccount;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

import reactor.core.publisher.Mono;

/**
 * The configured gateway keys and each one's budgets and limits. A presented key is hashed and compared
 * with every stored hash in constant time ({@link MessageDigest#isEqual}), all of them, so the time taken
 * says nothing about which key or how much of one matched. The presented key is not kept. Thread-safe.
 */
public final class KeyRing {

    /** Budget windows: a UTC day and a 30-day "month", both aligned to the epoch (the spend accounts' windows). */
    public static final Duration DAY = Duration.ofDays(1);
    public static final Duration MONTH = Duration.ofDays(30);

    /** One key's live state. */
    public static final class Client {
        public final GatewayKey key;
        final byte[] hash;
        final SpendAccount day;
        final SpendAccount month;
        private final ArrayDeque<long[]> requests = new ArrayDeque<>(); // {epochMs}
        private final ArrayDeque<long[]> tokens = new ArrayDeque<>();   // {epochMs, tokens}
        private long tokensInWindow;

        Client(GatewayKey key, SharedState state, Clock clock) {
            this.key = key;
            this.hash = HexFormat.of().parseHex(key.sha256Hex());
            this.day = key.dailyUsd() == null ? null : state.spendAccount(key.dailyUsd(), DAY, clock);
            this.month = key.monthlyUsd() == null ? null : state.spendAccount(key.monthlyUsd(), MONTH, clock);
        }

        /**
         * Admits one ask now or says why not: null when admitted (and counted), else a 429. Checks RPM and TPM
         * (tokens of asks finished in the last minute); {@link #budget} checks the money.
         */
        public synchronized ApiError admit(long nowMs) {
            long cutoff = nowMs - 60_000;
            while (!requests.isEmpty() && requests.peekFirst()[0] <= cutoff) {
                requests.pollFirst();
            }
            while (!tokens.isEmpty() && tokens.peekFirst()[0] <= cutoff) {
                tokensInWindow -= tokens.pollFirst()[1];
            }
            if (key.rpm() > 0 && requests.size() >= key.rpm()) {
                return limit("requests per minute (" + key.rpm() + ")", requests.peekFirst()[0] + 60_000 - nowMs);
            }
            if (key.tpm() > 0 && tokensInWindow >= key.tpm()) {
                return limit("tokens per minute (" + key.tpm() + ")", tokens.peekFirst()[0] + 60_000 - nowMs);
            }
            requests.addLast(new long[] {nowMs});
            return null;
        }

        /**
         * What is left of each budget, asked of the spend accounts (with a shared store, every instance's
         * spending counts): empty when the ask may go on, else a 429 until the window turns over.
         */
        public Mono<ApiError> budget(long nowMs) {
            Mono<ApiError> d = day == null ? Mono.empty() : day.remainingUsd().filter(left -> left.signum() <= 0)
                    .map(left -> limit("daily budget (USD " + key.dailyUsd().toPlainString() + ")", untilWindowEnds(nowMs, DAY)));
            Mono<ApiError> m = month == null ? Mono.empty() : month.remainingUsd().filter(left -> left.signum() <= 0)
                    .map(left -> limit("30-day budget (USD " + key.monthlyUsd().toPlainString() + ")", untilWindowEnds(nowMs, MONTH)));
            return d.switchIfEmpty(m);
        }

        private ApiError limit(String what, long waitMs) {
            long seconds = Math.max(1, (waitMs + 999) / 1000);
            return new ApiError(429, "rate_limit_exceeded", "key '" + key.name() + "' is over its " + what
                    + "; retry after " + seconds + " s", seconds);
        }

        private static long untilWindowEnds(long nowMs, Duration window) {
            long w = window.toMillis();
            return w - Math.floorMod(nowMs, w);
        }

        /** Books a finished ask: its known cost against the budgets, its tokens against the TPM window. */
        public void settle(long nowMs, BigDecimal costUsd, long totalTokens) {
            if (costUsd != null && costUsd.signum() > 0) {
                if (day != null) {
                    day.settle(BigDecimal.ZERO, costUsd);
                }
                if (month != null) {
                    month.settle(BigDecimal.ZERO, costUsd);
                }
            }
            if (totalTokens > 0) {
                synchronized (this) {
                    tokens.addLast(new long[] {nowMs, totalTokens});
                    tokensInWindow += totalTokens;
                }
            }
        }
    }

    private final List<Client> clients;

    /**
     * @param keys         the configured keys
     * @param stateFor     the shared state each key's budgets live in (one per key, so keys never share a
     *                     spend account); {@link SharedState#local()} keeps them in this process
     * @param clock        the clock of the budget windows
     */
    public KeyRing(List<GatewayKey> keys, Function<GatewayKey, SharedState> stateFor, Clock clock) {
        List<Client> list = new ArrayList<>();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (GatewayKey k : keys) {
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("two gateway keys are named '" + k.name() + "'; names must be unique");
            }
            list.add(new Client(k, stateFor.apply(k), clock));
        }
        this.clients = List.copyOf(list);
    }

    public boolean isEmpty() {
        return clients.isEmpty();
    }

    /** The client whose key this is, or null; compares against every key in constant time. */
    public Client authenticate(String presented) {
        if (presented == null || presented.isEmpty() || presented.length() > 512) {
            return null;
        }
        byte[] h;
        try {
            h = MessageDigest.getInstance("SHA-256").digest(presented.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Client found = null;
        for (Client c : clients) {
            if (MessageDigest.isEqual(h, c.hash) & found == null) {
                found = c;
            }
        }
        return found;
    }
}
