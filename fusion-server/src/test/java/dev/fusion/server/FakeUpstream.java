package dev.fusion.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A real HTTP server speaking the OpenAI chat completions format, standing in for a provider. It records every
 * request's headers and, in order, events: {@code request <model>} when a call arrives and
 * {@code closed <model>} when its connection closes. Models: {@code hang-*} send one chunk (streamed) or
 * nothing (whole) and never finish; any other model answers at once.
 */
final class FakeUpstream implements AutoCloseable {

    static final ObjectMapper M = new ObjectMapper();
    final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final DisposableServer server;

    FakeUpstream() {
        server = HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> {
            Map<String, String> h = new java.util.LinkedHashMap<>();
            req.requestHeaders().forEach(e -> h.put(e.getKey().toLowerCase(java.util.Locale.ROOT), e.getValue()));
            headers.add(h);
            return req.receive().aggregate().asString(StandardCharsets.UTF_8).flatMap(body -> {
                JsonNode b;
                try {
                    b = M.readTree(body);
                } catch (Exception e) {
                    return res.status(400).sendString(Mono.just("{}")).then();
                }
                String model = b.path("model").asText();
                boolean stream = b.path("stream").asBoolean(false);
                events.add("request " + model);
                res.withConnection(c -> c.onDispose(() -> events.add("closed " + model)));
                if (model.startsWith("hang")) {
                    if (stream) {
                        return res.header("content-type", "text/event-stream")
                                .sendString(Flux.concat(Flux.just(chunk(model, "thinking", null)), Flux.never())).then();
                    }
                    return Mono.never();
                }
                String text = "answer from " + model;
                if (stream) {
                    return res.header("content-type", "text/event-stream").sendString(Flux.just(
                            chunk(model, text, null), chunk(model, "", "stop"),
                            "data: {\"id\":\"u\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + model
                                    + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}\n\n",
                            "data: [DONE]\n\n")).then();
                }
                return res.header("content-type", "application/json").sendString(Mono.just(
                        "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                                + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}],"
                                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":5,\"total_tokens\":15}}")).then();
            });
        }).bindNow(Duration.ofSeconds(10));
    }

    private static String chunk(String model, String text, String finish) {
        return "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"" + model + "\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":" + (finish == null ? "null" : "\"" + finish + "\"") + "}]}\n\n";
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    @Override
    public void close() {
        server.disposeNow(Duration.ofSeconds(5));
    }
}
