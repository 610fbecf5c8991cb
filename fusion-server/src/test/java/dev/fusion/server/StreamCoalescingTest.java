package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway writes what the engine emits while the event loop is busy as one buffer: no frame may be lost,
 * repeated or reordered by that. A real upstream streams the judge's answer as hundreds of pieces in one burst
 * (several at once per read, so the engine emits events faster than one write each); the clients, over real HTTP,
 * several at once, must receive every piece in order, then the finish chunk, the usage chunk and {@code [DONE]}.
 */
class StreamCoalescingTest {

    static final ObjectMapper M = new ObjectMapper();
    static final int PIECES = 400;

    /** The judge's pieces: numbered, with characters that need escaping, so a lost or moved one shows. */
    static String piece(int i) {
        return "p" + i + (i % 7 == 0 ? " \"q\"\n" : i % 11 == 0 ? " é😀 " : " ");
    }

    private static String chunk(String text, String finish) {
        ObjectMapper m = M;
        var o = m.createObjectNode().put("id", "c").put("object", "chat.completion.chunk").put("created", 1).put("model", "up");
        var c = o.putArray("choices").addObject().put("index", 0);
        c.putObject("delta").put("content", text);
        if (finish == null) {
            c.putNull("finish_reason");
        } else {
            c.put("finish_reason", finish);
        }
        return "data: " + o + "\n\n";
    }

    /** An OpenAI-compatible upstream: the judge ("burst") streams {@link #PIECES} pieces at once; members answer whole. */
    private static DisposableServer upstream() {
        return HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> req.receive().aggregate()
                .asString(StandardCharsets.UTF_8).flatMap(body -> {
                    JsonNode b;
                    try {
                        b = M.readTree(body);
                    } catch (Exception e) {
                        return res.status(400).sendString(Mono.just("{}")).then();
                    }
                    String model = b.path("model").asText();
                    if (b.path("stream").asBoolean(false)) {
                        List<String> frames = new ArrayList<>();
                        for (int i = 0; i < PIECES; i++) {
                            frames.add(chunk(piece(i), null));
                        }
                        frames.add(chunk("", "stop"));
                        frames.add("data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + model
                                + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":" + PIECES
                                + ",\"total_tokens\":" + (PIECES + 10) + "}}\n\n");
                        frames.add("data: [DONE]\n\n");
                        return res.header("content-type", "text/event-stream").sendString(Flux.fromIterable(frames)).then();
                    }
                    return res.header("content-type", "application/json").sendString(Mono.just(
                            "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                                    + "\"message\":{\"role\":\"assistant\",\"content\":\"answer from " + model + "\"},\"finish_reason\":\"stop\"}],"
                                    + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}")).then();
                })).bindNow(Duration.ofSeconds(10));
    }

    @Test
    void everyPieceArrivesOnceAndInOrderThenTheEndFrames() throws Exception {
        DisposableServer up = upstream();
        try {
            Providers p = Providers.builder().env(Map.of("UP_KEY", "sk-upstream-0123456789"))
                    .provider("up", ProviderSpec.of(ProviderKind.OPENAI, "http://127.0.0.1:" + up.port() + "/v1", "UP_KEY")).build();
            Fusion fusion = Fusion.builder().panel(p.model("up:member-a"), p.model("up:member-b")).judge(p.model("up:burst"))
                    .allowUnpriced(true).build();
            String expected = IntStream.range(0, PIECES).mapToObj(StreamCoalescingTest::piece).collect(Collectors.joining());
            try (FusionServer server = FusionServer.builder().port(0).fusion("default", fusion).start()) {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpRequest req = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/chat/completions"))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fusion/default\",\"stream\":true,"
                                + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build();
                List<CompletableFuture<HttpResponse<String>>> asks = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    asks.add(http.sendAsync(req, HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> ask : asks) {
                    HttpResponse<String> r = ask.get();
                    assertThat(r.statusCode()).isEqualTo(200);
                    List<String> data = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
                    assertThat(data.get(data.size() - 1)).isEqualTo("[DONE]");
                    List<JsonNode> chunks = new ArrayList<>();
                    for (String d : data.subList(0, data.size() - 1)) {
                        chunks.add(M.readTree(d));
                    }
                    // first the role, last the usage (no choices), before it the finish reason on an empty delta
                    assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
                    JsonNode usage = chunks.get(chunks.size() - 1);
                    assertThat(usage.get("choices")).isEmpty();
                    assertThat(usage.at("/usage/completion_tokens").asInt()).isGreaterThanOrEqualTo(PIECES);
                    JsonNode last = chunks.get(chunks.size() - 2);
                    assertThat(last.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
                    StringBuilder text = new StringBuilder();
                    for (JsonNode c : chunks.subList(1, chunks.size() - 2)) {
                        assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue();
                        text.append(c.at("/choices/0/delta/content").asText());
                    }
                    assertThat(text.toString()).isEqualTo(expected);
                    // every SSE frame is whole: the body is frames separated by blank lines, none cut by a buffer edge
                    assertThat(r.body()).endsWith("data: [DONE]\n\n");
                    for (String frame : r.body().split("\n\n")) {
                        assertThat(frame).matches("(?s)(data: \\{.*\\}|data: \\[DONE\\]|: [^\n]*)");
                    }
                }
            }
        } finally {
            up.disposeNow(Duration.ofSeconds(5));
        }
    }
}
