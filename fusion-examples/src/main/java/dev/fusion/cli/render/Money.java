package dev.fusion.cli.render;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Formats USD amounts for display only; the ledger keeps exact values. */
public final class Money {
    private Money() {
    }

    /** {@code $0.000123} style: six decimals below a cent, four above; "unpriced" for null. */
    public static String usd(BigDecimal v) {
        if (v == null) {
            return "unpriced";
        }
        int scale = v.abs().compareTo(new BigDecimal("0.01")) < 0 ? 6 : 4;
        return "$" + v.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }
}
