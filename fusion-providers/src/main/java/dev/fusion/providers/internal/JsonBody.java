package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.MediaType;
import okhttp3.RequestBody;
import okio.BufferedSink;

import java.io.IOException;
import java.util.Objects;

/**
 * A JSON request body serialized on first use (its length or its bytes), then kept: the bytes and
 * the {@code Content-Length} are exactly those of {@code RequestBody.create(bytes, JSON)}, and a body
 * that is only built, never sent (a request checked before the ask's calls start), costs no
 * serialization. The tree is not copied and must not change once handed over. Thread-safe.
 */
final class JsonBody extends RequestBody {

    private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");

    private final ObjectNode tree;
    private volatile byte[] bytes;

    JsonBody(ObjectNode tree) {
        this.tree = Objects.requireNonNull(tree, "tree");
    }

    /** The tree (not a copy): callers must not change it. */
    ObjectNode tree() {
        return tree;
    }

    @Override
    public MediaType contentType() {
        return JSON;
    }

    @Override
    public long contentLength() throws IOException {
        return bytes().length;
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
        sink.write(bytes());
    }

    private byte[] bytes() throws IOException {
        byte[] b = bytes;
        if (b == null) {
            // Two threads racing here both produce the same bytes; either copy may be kept.
            b = Json.MAPPER.writeValueAsBytes(tree);
            bytes = b;
        }
        return b;
    }
}
