package dev.fusion.cli.tune;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The calls one ask (or one grading) used, in the order it made them, and which kinds of its calls
 * were still pending. Thread-safe.
 */
public final class CallTrace {

    private final List<CachedAnswer> used = new ArrayList<>();
    private final Set<CallKind> missed = EnumSet.noneOf(CallKind.class);

    synchronized void used(CachedAnswer a) {
        used.add(a);
    }

    synchronized void missed(CallKind kind) {
        missed.add(kind);
    }

    /** Whether a call of this ask had no stored answer yet (its result is then not final). */
    public synchronized boolean hasMiss() {
        return !missed.isEmpty();
    }

    /** Whether a call of this kind had no stored answer yet. */
    public synchronized boolean hasMiss(CallKind kind) {
        return missed.contains(kind);
    }

    /** The stored outcomes the ask used, in call order. */
    public synchronized List<CachedAnswer> used() {
        return List.copyOf(used);
    }
}
