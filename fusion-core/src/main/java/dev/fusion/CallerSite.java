package dev.fusion;

/**
 * Rethrows a blocking ask's failure on the calling thread. The engine fails on Reactor and HTTP
 * client threads, so the original exception's stack has only their frames; the caller needs its
 * own frame in the trace. A failure of one of Fusion's exception types (and the plain JDK argument
 * and state exceptions) is rethrown as a new exception of the same type, with the same message and
 * data, created on the calling thread, with the original as its cause. Any other exception type
 * cannot be copied faithfully, so it is rethrown itself with a suppressed {@link CallerSiteTrace}
 * that holds the calling thread's stack. Errors are rethrown untouched. Stateless.
 */
final class CallerSite {

    private CallerSite() {
    }

    /** A marker recording where a blocking call was made, attached as a suppressed exception. */
    static final class CallerSiteTrace extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CallerSiteTrace() {
            super("the blocking ask() was called here");
        }
    }

    /** The exception to throw on the calling thread for {@code failure}. */
    static RuntimeException rethrow(RuntimeException failure) {
        RuntimeException copy = copy(failure);
        // A type whose message is not rebuilt exactly (a newer constructor) is not copied.
        if (copy != null && java.util.Objects.equals(copy.getMessage(), failure.getMessage())) {
            copy.initCause(failure);
            return copy;
        }
        failure.addSuppressed(new CallerSiteTrace());
        return failure;
    }

    /** A same-type copy without a cause yet, or null when the exact type is not one we can copy. */
    private static RuntimeException copy(RuntimeException e) {
        Class<?> type = e.getClass();
        String message = e.getMessage();
        if (type == JudgeFailedException.class) {
            return new JudgeFailedException(((JudgeFailedException) e).calls());
        }
        if (type == QuorumNotMetException.class) {
            QuorumNotMetException q = (QuorumNotMetException) e;
            return new QuorumNotMetException(q.quorum(), q.answered(), q.calls());
        }
        if (type == AskFailedException.class) {
            return new AskFailedException(message, ((AskFailedException) e).calls());
        }
        if (type == BudgetExceededException.class) {
            BudgetExceededException b = (BudgetExceededException) e;
            return new BudgetExceededException(message, b.budgetUsd(), b.neededUsd());
        }
        if (type == InvalidConfigurationException.class) {
            return new InvalidConfigurationException(message);
        }
        if (type == FusionException.class) {
            return new FusionException(message);
        }
        if (type == IllegalArgumentException.class) {
            return new IllegalArgumentException(message);
        }
        if (type == IllegalStateException.class) {
            return new IllegalStateException(message);
        }
        return null;
    }
}
