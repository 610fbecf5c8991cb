package dev.fusion.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Which fusions the current thread is running an ask for on behalf of a tool (a fusion offered to an
 * outer model as a tool), so that a fusion reached through such a tool never calls itself again. The
 * chain is kept per thread and carried by the engine to the threads it hands a member's research tools
 * to ({@link #snapshot()}, {@link #restore}). Not API; thread-safe (each thread has its own chain).
 */
public final class ToolDepth {

    private static final ThreadLocal<List<Object>> CHAIN = new ThreadLocal<>();

    private ToolDepth() {
    }

    /** Whether {@code fusion} is already being asked through a tool up this thread's chain. */
    public static boolean inside(Object fusion) {
        List<Object> chain = CHAIN.get();
        if (chain == null) {
            return false;
        }
        for (Object f : chain) {
            if (f == fusion) {
                return true;
            }
        }
        return false;
    }

    /** How many fusions up this thread's chain are being asked through tools. */
    public static int depth() {
        List<Object> chain = CHAIN.get();
        return chain == null ? 0 : chain.size();
    }

    /** Runs {@code body} with {@code fusion} added to this thread's chain. */
    public static <T> T within(Object fusion, Callable<T> body) throws Exception {
        List<Object> before = CHAIN.get();
        List<Object> chain = before == null ? new ArrayList<>() : new ArrayList<>(before);
        chain.add(fusion);
        CHAIN.set(Collections.unmodifiableList(chain));
        try {
            return body.call();
        } finally {
            CHAIN.set(before);
        }
    }

    /** This thread's chain (immutable), to carry to another thread; null when empty. */
    public static List<Object> snapshot() {
        return CHAIN.get();
    }

    /** Runs {@code body} on this thread with {@code chain} (a {@link #snapshot()}) as its chain. */
    public static <T> T restore(List<Object> chain, Callable<T> body) throws Exception {
        List<Object> before = CHAIN.get();
        CHAIN.set(chain);
        try {
            return body.call();
        } finally {
            CHAIN.set(before);
        }
    }
}
