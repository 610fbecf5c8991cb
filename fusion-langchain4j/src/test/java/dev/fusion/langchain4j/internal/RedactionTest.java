package dev.fusion.langchain4j.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {

    @Test
    void credentialShapedWordsAreReplaced() {
        assertThat(Redaction.safe("Incorrect API key provided: sk-proj-AbC123xyz. See docs"))
                .isEqualTo("Incorrect API key provided: [redacted] See docs");
        assertThat(Redaction.safe("header Authorization: Bearer eyJhbGciOi.payload.sig was refused"))
                .doesNotContain("eyJhbGciOi").contains("[redacted]");
        assertThat(Redaction.safe("masked sk-****************wxyz key")).doesNotContain("wxyz");
        assertThat(Redaction.safe("token 0123456789abcdef0123456789abcdef99 rejected")).doesNotContain("0123456789abcdef");
        assertThat(Redaction.safe("model not found")).isEqualTo("model not found");
    }

    @Test
    void longMessagesAreBounded() {
        String huge = "word ".repeat(10_000);
        assertThat(Redaction.safe(huge)).hasSizeLessThanOrEqualTo(Redaction.MAX_CHARS + 1);
        assertThat(Redaction.safe(null)).isEmpty();
    }
}
