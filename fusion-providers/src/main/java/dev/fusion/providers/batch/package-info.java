/**
 * Many model requests through a provider's batch API, at its batch prices: OpenAI Batch, Anthropic
 * Message Batches and Gemini batch mode. {@link dev.fusion.providers.batch.BatchClient} submits, polls
 * (in an injected clock and sleeper, with progress) and reads results; a {@link
 * dev.fusion.providers.batch.BatchJob} written before polling lets a killed process resume the same
 * batch without paying for any item twice.
 */
package dev.fusion.providers.batch;
