package dev.fusion.judge;

import java.math.BigDecimal;
import java.text.Normalizer;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The normal form behind {@code AgreementRule.normalize}; see there. Stateless, thread-safe. */
final class TextNormalizer {

    /** A number (optionally signed, with thousands separators or a decimal part), or a run of letters/digits. */
    private static final Pattern TOKEN = Pattern.compile(
            "((?<![\\p{L}\\p{N}.])[-+]?\\d{1,3}(?:,\\d{3})+(?:\\.\\d+)?(?![\\p{L}\\p{N}])"
                    + "|(?<![\\p{L}\\p{N}.])[-+]?\\d+(?:\\.\\d+)?(?![\\p{L}\\p{N}]))"
                    + "|([\\p{L}\\p{N}]+)");

    private TextNormalizer() {
    }

    static String normalize(String answer) {
        if (answer == null) {
            return "";
        }
        String s = Normalizer.normalize(answer, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT).replace('\u2212', '-');
        Matcher m = TOKEN.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String tok;
            if (m.group(1) != null) {
                String num = m.group(1).replace(",", "");
                BigDecimal d = new BigDecimal(num);
                tok = d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
            } else {
                tok = m.group(2);
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            out.append(tok);
        }
        return out.toString();
    }
}
