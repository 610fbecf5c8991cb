package dev.fusion;

import dev.fusion.model.ProviderException;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

class RedactorTest {

    /** Unique to this test class so it cannot mask text in other tests of the same JVM. */
    private static final String KEY = "rk-Hx3Jq8Lr2Vt6Q7vX2mZ9pL4wN8bT";

    static {
        Redactor.register(KEY);
    }

    /** Every run of 8 consecutive characters of the key, in the text. */
    static boolean leaks(String text) {
        if (text == null) {
            return false;
        }
        for (int i = 0; i + Redactor.RUN <= KEY.length(); i++) {
            if (text.contains(KEY.substring(i, i + Redactor.RUN))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void masksTheWholeKeyAndEveryRunOfEightCharactersWherever() {
        assertThat(Redactor.redact("key " + KEY + " rejected")).isEqualTo("key *** rejected");
        for (int from = 0; from < KEY.length(); from++) {
            for (int to = from + Redactor.RUN; to <= KEY.length(); to++) {
                String fragment = KEY.substring(from, to);
                String out = Redactor.redact("<" + fragment + ">");
                assertThat(leaks(out)).as("fragment %s", fragment).isFalse();
                assertThat(out).isEqualTo("<***>");
            }
        }
        // Seven characters are not a run; unrelated text is returned unchanged (same instance).
        String seven = "x" + KEY.substring(3, 10) + "y";
        assertThat(Redactor.redact(seven)).isEqualTo(seven);
        String plain = "nothing secret here, just a long enough sentence";
        assertThat(Redactor.redact(plain)).isSameAs(plain);
        assertThat(Redactor.redact(null)).isNull();
    }

    @Test
    void twoFragmentsAndAKeyAtBothEnds() {
        String out = Redactor.redact(KEY.substring(0, 12) + " and " + KEY.substring(20) + "|" + KEY);
        assertThat(out).isEqualTo("*** and ***|***");
    }

    @Test
    void shortKeysAreMaskedWholeAndTinyOnesIgnored() {
        Redactor.register("x");
        Redactor.register("Zq7#k");
        assertThat(Redactor.redact("x marks Zq7#k")).isEqualTo("x marks ***");
    }

    @Test
    void exceptionsAndCallErrorsAreRedactedByConstruction() {
        IOException cause = new IOException("Unrecognized token '" + KEY.substring(5) + "'");
        ProviderException p = new ProviderException(ProviderException.Kind.IN_BAND_ERROR, -1, "t" + KEY, KEY + "c",
                false, null, "partial " + KEY, "message " + KEY.substring(0, 9), cause);
        assertThat(leaks(p.getMessage()) || leaks(p.errorType()) || leaks(p.errorCode()) || leaks(p.partialText()))
                .isFalse();
        assertThat(leaks(p.getCause().getMessage())).isFalse();
        assertThat(p.getCause().toString()).startsWith("java.io.IOException (redacted)");
        assertThat(p.getCause().getStackTrace()).isEqualTo(cause.getStackTrace());

        CallError e = CallError.of(p);
        assertThat(leaks(e.type()) || leaks(e.message()) || leaks(e.toString())).isFalse();
        assertThat(leaks(new CallError(KEY, KEY, 400, false).toString())).isFalse();

        FusionException f = new FusionException("boom " + KEY, new IllegalStateException(KEY));
        assertThat(leaks(f.getMessage()) || leaks(f.getCause().getMessage())).isFalse();
        assertThat(leaks(new InvalidConfigurationException("bad " + KEY).getMessage())).isFalse();
    }

    @Test
    void aCleanCauseIsKeptAsIs() {
        IOException clean = new IOException("connection reset");
        assertThat(Redactor.scrub(clean)).isSameAs(clean);
        assertThat(new FusionException("x", clean).getCause()).isSameAs(clean);
    }
}
