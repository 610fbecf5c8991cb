package dev.fusion.cli.tune;

import java.util.List;

/**
 * Answers the cache misses of one {@code fusion tune} pass, all at once.
 *
 * <p>Tune runs in passes: in a pass every call goes through the answer cache; a miss is recorded as
 * a {@link PendingCall} instead of being sent. After the pass, {@link #resolve} gets every distinct
 * miss of the pass (members first in the first pass, judges in later ones) and must store an outcome
 * for each in {@code store} ({@link AnswerStore#putAnswer} for an answer, {@link AnswerStore#putFailure}
 * for a call that failed or whose result never arrived). Passes repeat until one has no miss, so a
 * miss left unstored is simply asked for again in the next pass; a resolver that stores nothing for
 * a whole pass stops the run with an error rather than looping.
 *
 * <p>The default ({@link LiveResolver}) sends the calls live, concurrently up to a bound. A batch
 * resolver submits them to the providers' batch APIs and stores results as they come, at batch
 * prices ({@code batch = true}). Implementations are called from one thread at a time; they may use
 * their own threads inside {@code resolve}.
 */
@FunctionalInterface
public interface MissResolver {

    /**
     * Gets an outcome for each of {@code misses} (distinct keys) and stores it in {@code store}.
     *
     * @throws InterruptedException when interrupted while waiting (what was stored is kept: a rerun resumes)
     */
    void resolve(List<PendingCall> misses, AnswerStore store) throws InterruptedException;
}
