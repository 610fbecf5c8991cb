package dev.fusion.cli;

import dev.fusion.Redactor;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Everything the CLI prints passes through the redactor, a line at a time. */
class CliRedactionTest {

    private static final String KEY = "sk-Cl5Wn8Qe2Ry7Ut4Io1Pa6Sd";

    static {
        Redactor.register(KEY);
    }

    static boolean leaks(String text) {
        for (int i = 0; i + Redactor.RUN <= KEY.length(); i++) {
            if (text.contains(KEY.substring(i, i + Redactor.RUN))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aKeyEchoedByArgumentParsingIsMasked() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // A key pasted where it does not belong: picocli echoes the unmatched argument.
        int code = FusionCli.run(new String[] {"models", "--no-such-flag=" + KEY, KEY},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), false);
        String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertThat(code).isNotZero();
        assertThat(printed).contains("***");
        assertThat(leaks(printed)).as(printed).isFalse();
    }

    @Test
    void aKeyPrintedInPiecesOnOneLineIsStillSeenWhole() {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        PrintStream target = new PrintStream(raw, true, StandardCharsets.UTF_8);
        PrintStream p = RedactingOutputStream.wrap(target);
        p.print("key: " + KEY.substring(0, 5));
        p.print(KEY.substring(5, 15));
        p.print(KEY.substring(15));
        p.println(" — rejected ✓");
        p.print("\rprogress [###...] 3/9");
        p.flush();
        String s = raw.toString(StandardCharsets.UTF_8);
        assertThat(s).isEqualTo("key: *** — rejected ✓" + System.lineSeparator() + "\rprogress [###...] 3/9");
    }
}
