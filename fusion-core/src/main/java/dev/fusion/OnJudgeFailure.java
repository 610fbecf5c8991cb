package dev.fusion;

/**
 * What an ask does when every judge (the judge and its fallbacks) failed. Config names:
 * {@code fail}, {@code best-answer}.
 */
public enum OnJudgeFailure {
    /** Fail with {@link JudgeFailedException}, carrying every call record. */
    FAIL("fail"),
    /**
     * Return the best panel answer, flagged {@code judged=false}. The best answer is the one that
     * agrees most with the others (highest mean word-set Jaccard similarity to the other successful
     * answers); ties go to the member listed first in the panel. With one answer, that answer.
     */
    BEST_ANSWER("best-answer");

    private final String configName;

    OnJudgeFailure(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Parses {@code fail} or {@code best-answer}. */
    public static OnJudgeFailure parse(String s) {
        for (OnJudgeFailure v : values()) {
            if (v.configName.equalsIgnoreCase(s) || v.name().equalsIgnoreCase(s)) {
                return v;
            }
        }
        throw new InvalidConfigurationException("onJudgeFailure must be 'fail' or 'best-answer', was '" + s + "'");
    }
}
