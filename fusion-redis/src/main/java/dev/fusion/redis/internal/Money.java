package dev.fusion.redis.internal;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** USD as whole nano-dollars in Redis (Lua numbers are doubles: exact up to 2^53 nano, about $9,000,000). */
public final class Money {

    /** The largest amount kept exactly. */
    public static final BigDecimal MAX_USD = new BigDecimal("9000000");

    private Money() {
    }

    /** Rounded up, so what Redis holds never understates a reservation or a spend. */
    public static long nanoUp(BigDecimal usd) {
        return usd.movePointRight(9).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public static BigDecimal usd(long nano) {
        return BigDecimal.valueOf(nano, 9).stripTrailingZeros();
    }
}
