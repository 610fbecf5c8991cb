package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The text pieces of a stream are written without building a JSON tree per piece: each API's piece must be,
 * byte for byte, what Jackson writes for the tree of that event, whatever the text holds (quotes, control
 * characters, line separators, surrogate pairs).
 */
class StreamDeltaEncodingTest {

    static final String ASK = "0123456789abcdef01234567";
    static final String MODEL = "fusion/de\"fault";

    @ParameterizedTest
    @ValueSource(strings = {"", "plain", "a \"quoted\" \\ back\\slash", "line\nbreak\ttab\r\u0001\u001f", "é ü ß 漢字",
            "emoji 😀 and </script>", "\u2028\u2029", "\uD83D"})
    void eachApisTextPieceIsWhatItsTreeWrites(String text) {
        for (boolean usage : new boolean[] {false, true}) {
            Formats chat = Formats.of(Formats.Api.CHAT, ASK, MODEL, 1_700_000_000L, usage, false);
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", "chatcmpl-" + ASK).put("object", "chat.completion.chunk").put("created", 1_700_000_000L).put("model", MODEL);
            o.putNull("system_fingerprint");
            ObjectNode c = o.putArray("choices").addObject();
            c.put("index", 0);
            c.putObject("delta").put("content", text);
            c.putNull("logprobs");
            c.putNull("finish_reason");
            if (usage) {
                o.putNull("usage");
            }
            assertThat(chat.delta(text)).isEqualTo("data: " + Json.write(o) + "\n\n");
        }

        Formats messages = Formats.of(Formats.Api.MESSAGES, ASK, MODEL, 1L, false, false);
        messages.start();
        ObjectNode d = Json.MAPPER.createObjectNode().put("type", "content_block_delta").put("index", 0);
        d.putObject("delta").put("type", "text_delta").put("text", text);
        assertThat(messages.delta(text)).isEqualTo("event: content_block_delta\ndata: " + Json.write(d) + "\n\n");

        Formats responses = Formats.of(Formats.Api.RESPONSES, ASK, MODEL, 1L, false, false);
        int frames = responses.start().size();
        ObjectNode r = Json.MAPPER.createObjectNode().put("type", "response.output_text.delta").put("sequence_number", frames)
                .put("item_id", "msg_" + ASK).put("output_index", 0).put("content_index", 0).put("delta", text);
        r.putArray("logprobs");
        assertThat(responses.delta(text)).isEqualTo("event: response.output_text.delta\ndata: " + Json.write(r) + "\n\n");
    }

    /** The tree a chat chunk used to be written from: id, object, created, model, fingerprint, choices, usage. */
    private static ObjectNode chatChunk(boolean usage) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", "chatcmpl-" + ASK).put("object", "chat.completion.chunk").put("created", 1_700_000_000L).put("model", MODEL);
        o.putNull("system_fingerprint");
        return o;
    }

    @ParameterizedTest
    @ValueSource(strings = {"stop", "length", "tool_calls"})
    void chatsOpeningClosingAndUsageChunksAreWhatTheirTreesWrite(String finish) {
        for (boolean usage : new boolean[] {false, true}) {
            Formats.Chat chat = (Formats.Chat) Formats.of(Formats.Api.CHAT, ASK, MODEL, 1_700_000_000L, usage, false);

            ObjectNode start = chatChunk(usage);
            ObjectNode c = start.putArray("choices").addObject();
            c.put("index", 0);
            c.putObject("delta").put("role", "assistant").put("content", "").putNull("refusal");
            c.putNull("logprobs");
            c.putNull("finish_reason");
            if (usage) {
                start.putNull("usage");
            }
            assertThat(chat.start()).containsExactly("data: " + Json.write(start) + "\n\n");

            ObjectNode last = chatChunk(usage);
            ObjectNode l = last.putArray("choices").addObject();
            l.put("index", 0);
            l.putObject("delta");
            l.putNull("logprobs");
            l.put("finish_reason", finish);
            if (usage) {
                last.putNull("usage");
            }
            assertThat(chat.finishChunk(finish)).isEqualTo("data: " + Json.write(last) + "\n\n");

            ObjectNode u = Json.MAPPER.createObjectNode().put("prompt_tokens", 5).put("completion_tokens", 7).put("total_tokens", 12);
            Json.putUsd(u, "cost", new java.math.BigDecimal("0.0001230"));
            ObjectNode tail = chatChunk(usage);
            tail.putArray("choices");
            tail.set("usage", u);
            assertThat(chat.usageChunk(u)).isEqualTo("data: " + Json.write(tail) + "\n\n");
        }
    }
}
