package dev.fusion.internal;

import dev.fusion.judge.Analysis;

import java.util.List;

/**
 * Test-only access to the engine's own parsers of judge replies (package-private in fusion-core), so
 * the sandbox judge is checked against exactly what the analyze and select-best strategies accept.
 */
public final class StructuredRepliesBridge {

    private StructuredRepliesBridge() {
    }

    public static Analysis analysis(String reply, int answerCount) throws Exception {
        return StructuredReplies.analysis(reply, answerCount);
    }

    public static List<Integer> ranking(String reply, int answerCount) throws Exception {
        return StructuredReplies.ranking(reply, answerCount);
    }
}
