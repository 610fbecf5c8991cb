package dev.fusion.providers.internal;

/**
 * A strict UTF-8 well-formedness check (RFC 3629, the Unicode "well-formed UTF-8 byte sequences"
 * table): no stray continuation bytes, no overlong forms, no UTF-16 surrogates, nothing beyond
 * U+10FFFF, no sequence left unfinished. It is the one rule for every answer: a JSON body is checked
 * whole before it is parsed (Jackson alone lets overlong forms and surrogates through) and an event
 * stream byte by byte as it arrives (where a decoder would put U+FFFD in silently). One instance
 * holds the state of one byte stream and is used by one thread at a time; the static method is
 * stateless and thread-safe.
 */
public final class Utf8Check {

    /** Continuation bytes still expected in the current sequence. */
    private int pending;
    /** The allowed range of the next continuation byte (narrower after E0, ED, F0 and F4). */
    private int nextLow = 0x80;
    private int nextHigh = 0xBF;

    /**
     * Feeds one byte.
     *
     * @return false when the byte makes the stream ill-formed
     */
    public boolean accept(int b) {
        b &= 0xFF;
        if (pending > 0) {
            if (b < nextLow || b > nextHigh) {
                return false;
            }
            pending--;
            nextLow = 0x80;
            nextHigh = 0xBF;
            return true;
        }
        if (b < 0x80) {
            return true;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            pending = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            pending = 2;
            if (b == 0xE0) {
                nextLow = 0xA0;
            } else if (b == 0xED) {
                nextHigh = 0x9F;
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            pending = 3;
            if (b == 0xF0) {
                nextLow = 0x90;
            } else if (b == 0xF4) {
                nextHigh = 0x8F;
            }
        } else {
            return false; // a stray continuation byte, C0/C1 (overlong) or F5..FF
        }
        return true;
    }

    /** Whether the bytes fed so far end inside a sequence. */
    public boolean inSequence() {
        return pending > 0;
    }

    /** The offset of the first byte that makes {@code bytes} ill-formed ({@code bytes.length} for a cut sequence), or -1. */
    public static int firstInvalid(byte[] bytes) {
        Utf8Check check = null;
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b >= 0 && (check == null || !check.inSequence())) {
                continue; // ASCII outside a sequence: the common case
            }
            if (check == null) {
                check = new Utf8Check();
            }
            if (!check.accept(b)) {
                return i;
            }
        }
        return check != null && check.inSequence() ? bytes.length : -1;
    }
}
