package dev.fusion.cli.tune;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;

import java.util.Objects;

/**
 * A call {@code fusion tune} needs but has no cached answer for: recorded during a pass instead of
 * being sent, then handed with every other miss of that pass to a {@link MissResolver}.
 *
 * <p>{@code model} is the real (undecorated) model: a resolver may call {@code model.call(request)}
 * live, or send {@code request} to {@code model.ref()}'s provider by other means (a batch API).
 * Whatever it does, it stores the outcome under {@code key} with {@link AnswerStore#putAnswer} or
 * {@link AnswerStore#putFailure}. Immutable.
 *
 * @param key     the content address: SHA-256 (hex) of the canonical JSON of (provider, model, request
 *                parameters, messages, schema, tools); see {@link CallKeys#key}
 * @param model   the model to ask (never a caching decorator)
 * @param request the exact request the engine (or the grader) built
 * @param kind    member, judge or grader call
 */
public record PendingCall(String key, ChatModel model, ModelRequest request, CallKind kind) {
    public PendingCall {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(kind, "kind");
    }
}
