package dev.fusion.server;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A client's key to the gateway, as configured: its name, the SHA-256 of the key (the key itself is never
 * stored), the models it may use (empty = all), and its budgets and limits (null or 0 = none). Immutable.
 *
 * @param name        a short name for logs, metrics and shared state: 1-40 letters, digits, '.', '_' or '-'
 * @param sha256Hex   the SHA-256 of the key's UTF-8 bytes, 64 hex digits ({@link #hash(String)})
 * @param models      the model names this key may ask ({@code fusion/default}, ...); empty = every model
 * @param dailyUsd    the most this key may spend per UTC day (a 24 h window aligned to the epoch), or null
 * @param monthlyUsd  the most this key may spend per 30-day window (aligned to the epoch), or null
 * @param rpm         asks per minute (0 = unlimited)
 * @param tpm         tokens (summed over every call of the fusion) per minute (0 = unlimited)
 */
public record GatewayKey(String name, String sha256Hex, Set<String> models, BigDecimal dailyUsd,
                         BigDecimal monthlyUsd, int rpm, long tpm) {

    public GatewayKey {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9._-]{1,40}")) {
            throw new IllegalArgumentException("a key name is 1-40 letters, digits, '.', '_' or '-', was '" + name + "'");
        }
        Objects.requireNonNull(sha256Hex, "sha256Hex");
        sha256Hex = sha256Hex.trim().toLowerCase(Locale.ROOT);
        if (!sha256Hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("key '" + name + "': sha256 must be 64 hex digits (the SHA-256 of the key,"
                    + " e.g. printf %s \"$KEY\" | sha256sum)");
        }
        models = models == null ? Set.of() : Set.copyOf(models);
        if (dailyUsd != null && dailyUsd.signum() < 0 || monthlyUsd != null && monthlyUsd.signum() < 0) {
            throw new IllegalArgumentException("key '" + name + "': budgets cannot be negative");
        }
        if (rpm < 0 || tpm < 0) {
            throw new IllegalArgumentException("key '" + name + "': rpm and tpm cannot be negative");
        }
    }

    /** A key allowed every model, without budgets or limits. */
    public static GatewayKey of(String name, String sha256Hex) {
        return new GatewayKey(name, sha256Hex, Set.of(), null, null, 0, 0);
    }

    /** The SHA-256 hex of a key, as {@link #sha256Hex()} holds it. */
    public static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Whether this key may ask {@code model} ({@code fusion/<name>}). */
    public boolean allows(String model) {
        return models.isEmpty() || models.contains(model);
    }

    /** Shows the hash's first 8 digits only. */
    @Override
    public String toString() {
        return "GatewayKey[name=" + name + ", sha256=" + sha256Hex.substring(0, 8) + "..., models=" + models
                + ", dailyUsd=" + dailyUsd + ", monthlyUsd=" + monthlyUsd + ", rpm=" + rpm + ", tpm=" + tpm + "]";
    }
}
