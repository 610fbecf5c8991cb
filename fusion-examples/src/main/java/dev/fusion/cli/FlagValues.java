package dev.fusion.cli;

import picocli.CommandLine;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.math.BigDecimal;

/**
 * Converters for numeric flag values, so a bad value ({@code --budget abc}, {@code --quorum two})
 * gives one clean line naming the flag and the expected form, never a Java exception name. Picocli
 * prefixes each message with "Invalid value for option '--flag': ". Stateless.
 */
final class FlagValues {

    /** The largest amount a flag takes, as a config file's dollar keys: one billion US dollars. */
    static final BigDecimal MAX_USD = BigDecimal.valueOf(1_000_000_000L);
    /** The most decimal places an amount may have, as in a config file. */
    static final int MAX_DECIMALS = 40;

    private FlagValues() {
    }

    /** Registers the converters on a command line and all its subcommands. */
    static void register(CommandLine cl) {
        cl.registerConverter(BigDecimal.class, FlagValues::usd);
        ITypeConverter<Integer> whole = FlagValues::wholeNumber;
        cl.registerConverter(Integer.class, whole);
        cl.registerConverter(Integer.TYPE, whole);
    }

    /** A non-negative amount of US dollars, e.g. {@code 0.05}. */
    static BigDecimal usd(String value) {
        BigDecimal v;
        try {
            v = new BigDecimal(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + shown(value) + "' is not an amount in US dollars; write it like 0.05");
        }
        if (v.signum() < 0) {
            throw new TypeConversionException("'" + shown(value) + "' is negative; write an amount in US dollars like 0.05");
        }
        // As in a config file: 1e999999999 is short to type, but costing against it builds a billion digits.
        if (v.compareTo(MAX_USD) > 0) {
            throw new TypeConversionException("'" + shown(value) + "' is more than " + MAX_USD.toPlainString()
                    + " US dollars; write an amount like 0.05");
        }
        if (v.signum() != 0 && v.stripTrailingZeros().scale() > MAX_DECIMALS) {
            throw new TypeConversionException("'" + shown(value) + "' has more than " + MAX_DECIMALS
                    + " decimal places; write an amount in US dollars like 0.05");
        }
        return v;
    }

    /** A whole number, e.g. {@code 2}. */
    static Integer wholeNumber(String value) {
        try {
            return Integer.valueOf(value.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + shown(value) + "' is not a whole number; write it like 2");
        }
    }

    /** The value as typed, cut to a printable line. */
    private static String shown(String value) {
        String v = FusionCli.oneLine(value);
        return v.length() > 40 ? v.substring(0, 37) + "..." : v;
    }
}
