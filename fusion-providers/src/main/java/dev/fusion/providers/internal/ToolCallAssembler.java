package dev.fusion.providers.internal;

import dev.fusion.model.ModelStreamEvent;
import dev.fusion.model.ToolCall;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Assembles the tool calls of one streamed answer from their pieces (OpenAI {@code delta.tool_calls},
 * Anthropic {@code tool_use} blocks with {@code input_json_delta}s, Gemini whole {@code functionCall}
 * parts), passing each piece on as a {@link ModelStreamEvent.ToolCallDelta}. Per call; used by one
 * thread at a time (a stream's events arrive serially), so not thread-safe.
 */
public final class ToolCallAssembler {

    private static final class Pending {
        String id;
        String name;
        String signature;
        final StringBuilder args = new StringBuilder();
    }

    private final Map<Integer, Pending> calls = new TreeMap<>();
    private final long maxChars;
    private long chars;

    /** @param maxChars the most characters all calls' arguments may add up to (the stream's text limit) */
    public ToolCallAssembler(long maxChars) {
        this.maxChars = maxChars;
    }

    /** How many calls have started. */
    public int size() {
        return calls.size();
    }

    /** Whether call {@code index} has started. */
    public boolean has(int index) {
        return calls.containsKey(index);
    }

    /**
     * Adds a piece of call {@code index}: its id and name when known (null otherwise) and a piece of
     * its arguments (may be null or empty).
     *
     * @throws MalformedFieldException when the arguments of all calls exceed the limit
     */
    public void add(int index, String id, String name, String argsPiece, Consumer<ModelStreamEvent.ToolCallDelta> out) {
        if (index < 0 || index > 10_000) {
            throw new MalformedFieldException("tool call index " + index + " is out of range");
        }
        Pending p = calls.computeIfAbsent(index, i -> new Pending());
        boolean newId = id != null && !id.isEmpty() && p.id == null;
        boolean newName = name != null && !name.isEmpty() && p.name == null;
        if (newId) {
            p.id = id;
        }
        if (newName) {
            p.name = name;
        } else if (name != null && !name.isEmpty() && p.name != null && !p.name.equals(name)) {
            p.name = p.name + name; // some servers stream the name in pieces too
        }
        String piece = argsPiece == null ? "" : argsPiece;
        if (!piece.isEmpty()) {
            chars += piece.length();
            if (chars > maxChars) {
                throw new MalformedFieldException("streamed tool call arguments exceed " + maxChars + " characters");
            }
            p.args.append(piece);
        }
        if (newId || newName || !piece.isEmpty()) {
            out.accept(new ModelStreamEvent.ToolCallDelta(index, newId ? id : null, newName ? name : null, piece));
        }
    }

    /** Sets the thought signature of call {@code index} (Gemini), kept as received. */
    public void signature(int index, String signature) {
        if (signature != null) {
            calls.computeIfAbsent(index, i -> new Pending()).signature = signature;
        }
    }

    /** The calls assembled, in index order; calls without an id get a made-up one. */
    public List<ToolCall> calls() {
        List<ToolCall> out = new ArrayList<>();
        for (Map.Entry<Integer, Pending> e : calls.entrySet()) {
            Pending p = e.getValue();
            if (p.name == null) {
                throw new MalformedFieldException("streamed tool call #" + e.getKey() + " never got a name");
            }
            String id = p.id == null ? ToolCall.SYNTHETIC_ID_PREFIX + e.getKey() : p.id;
            out.add(new ToolCall(id, p.name, p.args.toString(), p.signature));
        }
        return List.copyOf(out);
    }
}
