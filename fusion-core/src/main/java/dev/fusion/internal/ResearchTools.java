package dev.fusion.internal;

import dev.fusion.ResearchToolExecutor;
import dev.fusion.model.ToolSpec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The research tools a {@code Fusion} lets its panel members call in their own loops, and the loop's
 * bounds. Immutable; thread-safe.
 *
 * @param specs          the tools offered to each member (besides the request's own tools)
 * @param executors      by tool name
 * @param maxSteps       model calls per member and panel call (1..16): the last one is asked to answer
 * @param toolTimeout    per tool call
 * @param maxResultChars the most characters of a tool result sent back to the member
 * @param pool           where executors run (off every ask's lock)
 */
public record ResearchTools(List<ToolSpec> specs, Map<String, ResearchToolExecutor> executors, int maxSteps,
                            Duration toolTimeout, int maxResultChars, ExecutorService pool) {

    /** Default model calls per member loop (as OpenRouter's {@code max_tool_calls}). */
    public static final int DEFAULT_MAX_STEPS = 4;
    /** The most model calls a member loop may be configured with. */
    public static final int MAX_STEPS = 16;
    /** Default timeout per tool call. */
    public static final Duration DEFAULT_TOOL_TIMEOUT = Duration.ofSeconds(10);
    /** Default bound on a tool result sent back to the member. */
    public static final int DEFAULT_MAX_RESULT_CHARS = 16 * 1024;
    /** Characters of a tool result kept in the step's call record. */
    public static final int EXCERPT_CHARS = 512;

    private static final AtomicInteger THREADS = new AtomicInteger();
    /**
     * The shared research pool: up to 32 daemon threads, idle ones ending after 60 s, at most 1024 calls
     * waiting (beyond, a call gets an error result at once).
     */
    private static final ExecutorService SHARED = sharedPool();

    public ResearchTools {
        specs = List.copyOf(specs);
        executors = Map.copyOf(executors);
    }

    /** The shared bounded research pool. */
    public static ExecutorService sharedPool() {
        if (SHARED != null) {
            return SHARED;
        }
        ThreadPoolExecutor pool = new ThreadPoolExecutor(32, 32, 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(1024), r -> {
                    Thread t = new Thread(r, "fusion-research-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Whether {@code name} is one of the research tools. */
    public boolean has(String name) {
        return executors.containsKey(name);
    }
}
