package dev.fusion;

import java.util.List;

/** Every judge failed and {@link OnJudgeFailure#FAIL} was configured. */
public class JudgeFailedException extends AskFailedException {
    private static final long serialVersionUID = 1L;

    public JudgeFailedException(List<CallRecord> calls) {
        super("every judge failed (" + QuorumNotMetException.summarize(
                calls.stream().filter(c -> c.role() == CallRole.JUDGE).toList()) + ")", calls);
    }
}
