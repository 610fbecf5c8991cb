/**
 * Agreement by meaning for the cascade strategy: {@link dev.fusion.embeddings.SemanticAgreement} is an
 * {@link dev.fusion.judge.AgreementRule} that embeds answers with a local sentence-embedding model (in
 * process, no network, no per-call cost) and groups the answers that agree, guarded by the facts
 * embeddings blur (numbers, negation); {@link dev.fusion.embeddings.SemanticAgreementFactory} makes it
 * available to config files as {@code rule: semantic}.
 *
 * <h2>Null contract</h2>
 * Parameters and return values are non-null unless their documentation says otherwise (a record
 * component or method documented as "null when ..."); absent values are otherwise {@link
 * java.util.Optional} or empty collections.
 *
 * <p>The rule is thread-safe and shared by every ask; embedding runs on Reactor's
 * {@code boundedElastic} threads, never on the subscribing thread.
 */
package dev.fusion.embeddings;
