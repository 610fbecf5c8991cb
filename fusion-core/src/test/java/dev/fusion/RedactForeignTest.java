package dev.fusion;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one redaction of messages from outside Fusion (what LangChain4j or Spring AI threw): registered keys of
 * any shape are masked, credential shapes too, and the message is bounded.
 */
class RedactForeignTest {

    @Test
    void credentialShapedWordsAreReplaced() {
        assertThat(Redactor.redactForeign("Incorrect API key provided: sk-proj-AbC123xyz. See docs"))
                .isEqualTo("Incorrect API key provided: [redacted] See docs");
        assertThat(Redactor.redactForeign("header Authorization: Bearer eyJhbGciOi.payload.sig was refused"))
                .doesNotContain("eyJhbGciOi").contains("[redacted]");
        assertThat(Redactor.redactForeign("masked sk-****************wxyz key")).doesNotContain("wxyz");
        assertThat(Redactor.redactForeign("token 0123456789abcdef0123456789abcdef99 rejected")).doesNotContain("0123456789abcdef");
        assertThat(Redactor.redactForeign("model not found")).isEqualTo("model not found");
    }

    @Test
    void longMessagesAreBounded() {
        String huge = "word ".repeat(10_000);
        assertThat(Redactor.redactForeign(huge)).hasSizeLessThanOrEqualTo(Redactor.FOREIGN_MAX_CHARS + 1);
        assertThat(Redactor.redactForeign(null)).isEmpty();
    }

    @Test
    void aRegisteredKeyWithSlashesAndPlusesIsMaskedWhereItsShapeIsNot() {
        String key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzQ9aW3/Lm+Tk2";
        String echoed = "The security token included in the request is invalid: " + key + " (cut: "
                + key.substring(5, 30) + ")";
        // by shape alone, parts of this key survive: no run of it is 32 letters/digits long
        assertThat(echoed.replaceAll("(?i)[A-Za-z0-9_\\-]{32,}", "[redacted]")).contains("K7MDENG");

        Redactor.register(key);

        String safe = Redactor.redactForeign(echoed);
        for (int i = 0; i + Redactor.RUN <= key.length(); i++) {
            assertThat(safe).doesNotContain(key.substring(i, i + Redactor.RUN));
        }
        assertThat(safe).startsWith("The security token included in the request is invalid:");
    }
}
