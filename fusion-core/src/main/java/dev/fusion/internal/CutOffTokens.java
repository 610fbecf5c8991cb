package dev.fusion.internal;

import dev.fusion.cost.TokenEstimator;
import dev.fusion.model.ModelRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts the tokens of a call cut off after its request was sent (the prompt, and the text streamed
 * so far), for a cost recorded as an estimated lower bound: o200k (jtokkit) with no safety factor
 * and no overhead, since other vendors' tokenizers count more tokens, not fewer.
 *
 * <p>The BPE table takes a second or more to load, and a cut-off is recorded while the ask waits, so
 * the table is loaded on a daemon thread ({@link #warmUp()}, called when a Fusion is built); until
 * it is ready a count falls back to one token per four characters (the usual o200k density of
 * English text). Either way the record says the usage is {@link dev.fusion.UsageQuality#ESTIMATED}.
 * Thread-safe.
 */
public final class CutOffTokens {

    private static final Logger log = LoggerFactory.getLogger(CutOffTokens.class);
    private static final TokenEstimator BPE = new TokenEstimator.Default(1.0, 0);
    private static final AtomicBoolean started = new AtomicBoolean();
    private static final CountDownLatch loaded = new CountDownLatch(1);
    private static volatile boolean ready;

    private CutOffTokens() {
    }

    /** Starts loading the tokenizer in the background, once per process. */
    public static void warmUp() {
        if (started.compareAndSet(false, true)) {
            Thread t = new Thread(CutOffTokens::load, "fusion-tokenizer-load");
            t.setDaemon(true);
            t.start();
        }
    }

    /** Loads the tokenizer on the calling thread (tests that need exact counts), if not yet loaded. */
    public static void loadNow() {
        warmUp();
        try {
            loaded.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void load() {
        try {
            BPE.estimate(null, "warm up");
            ready = true;
        } catch (RuntimeException | LinkageError e) {
            log.warn("the tokenizer could not be loaded; cut-off calls are estimated by characters: {}", e.toString());
        } finally {
            loaded.countDown();
        }
    }

    /**
     * The most characters the tokenizer reads for one count. Beyond it the count is extrapolated from
     * this prefix: a cut-off stream may hold millions of characters (up to the stream text limit), and
     * BPE over all of them takes about a gigabyte and seconds of CPU on the thread that records the call.
     */
    public static final int MAX_COUNTED_CHARS = 64 * 1024;

    /**
     * Tokens of {@code text} as counted for a cut-off call's estimate (0 for null or empty text). Text
     * longer than {@link #MAX_COUNTED_CHARS} is counted on its first {@code MAX_COUNTED_CHARS}
     * characters and scaled to its length (rounded up): still an estimate, as every cut-off figure is
     * ({@link dev.fusion.UsageQuality#ESTIMATED}), in bounded time and memory.
     */
    public static long count(ModelRef model, String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        if (text.length() <= MAX_COUNTED_CHARS) {
            return countAll(model, text);
        }
        int cut = MAX_COUNTED_CHARS;
        if (Character.isHighSurrogate(text.charAt(cut - 1))) {
            cut--; // never split a surrogate pair
        }
        long prefixTokens = Math.max(1, countAll(model, text.substring(0, cut)));
        return (long) Math.ceil((double) prefixTokens * text.length() / cut);
    }

    private static long countAll(ModelRef model, String text) {
        if (ready) {
            return BPE.estimate(model, text);
        }
        warmUp();
        return (text.codePointCount(0, text.length()) + 3) / 4;
    }
}
