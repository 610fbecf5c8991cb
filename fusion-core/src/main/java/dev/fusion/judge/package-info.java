/**
 * How the panel's answers become one: the {@link dev.fusion.judge.Strategy} of an ask (synthesize,
 * analyze, select-best, self-moa, layered, cascade), the {@link dev.fusion.judge.JudgePrompt} the judge model
 * receives, the cascade's {@link dev.fusion.judge.AgreementRule} and what strategies report back
 * ({@link dev.fusion.judge.Analysis}, {@link dev.fusion.judge.Ranking},
 * {@link dev.fusion.judge.CascadeOutcome}).
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>Values are immutable and thread-safe; an {@code AgreementRule} implementation must be
 * thread-safe and must not block the subscribing thread.
 */
package dev.fusion.judge;
