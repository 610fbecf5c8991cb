package dev.fusion.cli;

import java.time.Duration;
import java.util.Locale;

/** Parses CLI durations: {@code 1500} (ms), {@code 1500ms}, {@code 30s}, {@code 2m}. */
final class Durations {
    private Durations() {
    }

    static Duration parse(String option, String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return positive(option, Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim())));
            }
            if (t.endsWith("s")) {
                return positive(option, Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000)));
            }
            if (t.endsWith("m")) {
                return positive(option, Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000)));
            }
            return positive(option, Duration.ofMillis(Long.parseLong(t)));
        } catch (NumberFormatException e) {
            throw new CliException(option + " must be a duration like 1500, 1500ms, 30s or 2m, was '" + s + "'");
        }
    }

    private static Duration positive(String option, Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new CliException(option + " must be positive, was " + d.toMillis() + " ms");
        }
        return d;
    }
}
