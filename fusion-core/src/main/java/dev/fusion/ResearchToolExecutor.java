package dev.fusion;

import dev.fusion.model.ToolCall;

/**
 * Runs one research tool call for a panel member (see
 * {@link Fusion.Builder#researchTool(dev.fusion.model.ToolSpec, ResearchToolExecutor)}): retrieval, a
 * search, a calculator; anything read-only. The text returned goes back to the member as the call's
 * result (cut to {@link Fusion.Builder#researchResultMaxChars the result-size bound}); an exception becomes
 * a result with the error flag, never a failed ask.
 *
 * <p><b>Thread-safety:</b> implementations must be thread-safe. Fusion calls an executor from its own
 * bounded pool of research threads ({@code fusion-research-N}), concurrently for every member and every
 * ask, never under an ask's lock. A call that runs past the tool timeout, the ask's deadline or a
 * cancelled ask is interrupted ({@link Thread#interrupt()}): blocking code should let
 * {@link InterruptedException} (or an interrupted I/O) end it; its result is discarded.
 */
@FunctionalInterface
public interface ResearchToolExecutor {

    /**
     * Runs {@code call} and returns its result as text (JSON or plain text).
     *
     * @param call the member's call: {@link ToolCall#name()} is the registered tool's name and
     *             {@link ToolCall#arguments()} its parsed arguments
     * @return the result given to the member; null is sent as an empty result
     * @throws Exception anything: sent to the member as an error result ({@code Error: message})
     */
    String execute(ToolCall call) throws Exception;
}
