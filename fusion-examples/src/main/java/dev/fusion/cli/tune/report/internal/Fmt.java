package dev.fusion.cli.tune.report.internal;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/** Text formatting shared by the report renderers: HTML escaping, money, quality. Stateless. */
public final class Fmt {

    /** Longest text taken from the data into one table cell or label; longer text is cut with an ellipsis. */
    public static final int MAX_TEXT = 300;

    private Fmt() {
    }

    /**
     * Escapes text for HTML/SVG element content and double-quoted attribute values. Control characters
     * (other than tab, newline) are dropped, text longer than {@code max} is cut: the data is untrusted.
     */
    public static String html(String s, int max) {
        if (s == null) {
            return "";
        }
        String cut = s.length() > max ? s.substring(0, max) + "\u2026" : s;
        StringBuilder b = new StringBuilder(cut.length() + 16);
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                case '\t', '\n' -> b.append(c);
                default -> {
                    if (c >= 0x20 && c != 0x7F && !(c >= 0x80 && c < 0xA0)) {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    /** {@link #html(String, int)} with the default cap {@link #MAX_TEXT}. */
    public static String html(String s) {
        return html(s, MAX_TEXT);
    }

    /** A cost per item with three significant digits ({@code $0.000412}); "unknown" for null. */
    public static String usdPerItem(BigDecimal v) {
        if (v == null) {
            return "unknown";
        }
        if (v.signum() == 0) {
            return "$0";
        }
        return "$" + v.round(new MathContext(3, RoundingMode.HALF_UP)).stripTrailingZeros().toPlainString();
    }

    /** A run total: six decimals below a cent, four above; "unknown" for null. */
    public static String usdTotal(BigDecimal v) {
        if (v == null) {
            return "unknown";
        }
        int scale = v.abs().compareTo(new BigDecimal("0.01")) < 0 ? 6 : 4;
        return "$" + v.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }

    /** A quality 0..1 with three decimals; "n/a" when not finite. */
    public static String quality(double q) {
        return Double.isFinite(q) ? String.format(Locale.ROOT, "%.3f", q) : "n/a";
    }

    /** A coordinate for SVG, one decimal, locale-independent. */
    public static String px(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** {@code #rrggbb}. */
    public static String hex(int rgb) {
        return String.format(Locale.ROOT, "#%06x", rgb & 0xFFFFFF);
    }
}
