package dev.fusion.cli.tune;

import java.util.ArrayList;
import java.util.List;

/**
 * The calls one ask (or one single-model answer) used, in the order it made them, and whether any
 * of them was still pending. Thread-safe.
 */
public final class CallTrace {

    private final List<CachedAnswer> used = new ArrayList<>();
    private boolean missed;

    synchronized void used(CachedAnswer a) {
        used.add(a);
    }

    synchronized void missed() {
        missed = true;
    }

    /** Whether a call of this ask had no stored answer yet (its result is then not final). */
    public synchronized boolean hasMiss() {
        return missed;
    }

    /** The stored outcomes the ask used, in call order. */
    public synchronized List<CachedAnswer> used() {
        return List.copyOf(used);
    }
}
