package dev.fusion.providers.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import okhttp3.Request;

/**
 * One wire format as {@link HttpTransport} sees it: how a request is written and an answer read. Each
 * public model ({@code OpenAiChatModel}, {@code AnthropicChatModel}, {@code GeminiChatModel}) holds a
 * private implementation; nothing here is part of the public API. Implementations are thread-safe
 * ({@link #decoder()} returns a fresh decoder per streamed call).
 */
public interface WireCodec {

    /** The provider's HTTP request for this call (URL, auth headers, JSON body). */
    Request.Builder httpRequest(ModelRequest request, boolean stream);

    /** Reads a complete (non-streamed) answer; throws {@link ProviderException} when it is unusable. */
    ModelResponse parse(JsonNode body);

    /** A decoder for one streamed call. */
    StreamDecoder decoder();
}
