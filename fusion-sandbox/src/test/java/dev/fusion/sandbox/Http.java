package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Test helper: a plain JDK HttpClient and request bodies for the three formats. */
final class Http {

    static final ObjectMapper JSON = new ObjectMapper();
    static final ExecutorService EXECUTOR = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "test-http");
        t.setDaemon(true);
        return t;
    });
    static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(EXECUTOR)
            .build();

    private Http() {
    }

    static HttpRequest.Builder post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(20))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> send(String url, String body) throws IOException, InterruptedException {
        return send(post(url, body).build());
    }

    static JsonNode json(String s) throws IOException {
        return JSON.readTree(s);
    }

    static String openAi(String model, String system, String user, boolean stream, boolean includeUsage, Integer max) {
        var root = JSON.createObjectNode();
        root.put("model", model);
        var msgs = root.putArray("messages");
        if (system != null) {
            msgs.addObject().put("role", "system").put("content", system);
        }
        msgs.addObject().put("role", "user").put("content", user);
        if (max != null) {
            root.put("max_completion_tokens", max);
        }
        if (stream) {
            root.put("stream", true);
            if (includeUsage) {
                root.putObject("stream_options").put("include_usage", true);
            }
        }
        return root.toString();
    }

    static String anthropic(String model, String system, String user, boolean stream, int max) {
        var root = JSON.createObjectNode();
        root.put("model", model);
        root.put("max_tokens", max);
        if (system != null) {
            root.put("system", system);
        }
        var msg = root.putArray("messages").addObject();
        msg.put("role", "user");
        msg.putArray("content").addObject().put("type", "text").put("text", user);
        if (stream) {
            root.put("stream", true);
        }
        return root.toString();
    }

    static String gemini(String system, String user, Integer max) {
        var root = JSON.createObjectNode();
        if (system != null) {
            root.putObject("systemInstruction").putArray("parts").addObject().put("text", system);
        }
        var c = root.putArray("contents").addObject();
        c.put("role", "user");
        c.putArray("parts").addObject().put("text", user);
        if (max != null) {
            root.putObject("generationConfig").put("maxOutputTokens", max);
        }
        return root.toString();
    }

    /** One parsed server-sent event. */
    record Sse(String event, String data) {
        JsonNode json() throws IOException {
            return JSON.readTree(data);
        }
    }

    /** Parses a complete SSE body (LF or CRLF line ends). An unterminated last event is kept as is. */
    static List<Sse> sse(String body) {
        List<Sse> out = new ArrayList<>();
        String norm = body.replace("\r\n", "\n");
        for (String block : norm.split("\n\n")) {
            if (block.isBlank()) {
                continue;
            }
            String event = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    if (data.length() > 0) {
                        data.append('\n');
                    }
                    data.append(line.substring(5).stripLeading());
                }
            }
            out.add(new Sse(event, data.toString()));
        }
        return out;
    }

    /** The sandbox token rule, restated independently for assertions. */
    static long tokens(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        return Math.max(1, (s.codePointCount(0, s.length()) + 3) / 4);
    }
}
