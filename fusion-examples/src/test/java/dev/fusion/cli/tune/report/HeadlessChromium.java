package dev.fusion.cli.tune.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real headless Chromium driven over the DevTools protocol (a WebSocket from OkHttp, JSON from Jackson):
 * started on an ephemeral debugging port with its own temporary profile, closed (with every child process)
 * by {@link #close()}. The waits below are hang guards, not timing assertions: every step completes as soon
 * as the browser answers.
 */
final class HeadlessChromium implements AutoCloseable {

    /** Generous bound on any single browser step (a loaded 2-core machine can be slow to start Chromium). */
    private static final long STEP_SECONDS = 120;
    private static final Pattern LISTENING = Pattern.compile("DevTools listening on (ws://\\S+)");

    private final ObjectMapper json = new ObjectMapper();
    private final Process process;
    private final StringBuffer log = new StringBuffer();
    private OkHttpClient http;
    private WebSocket socket;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<Consumer<JsonNode>> eventListeners = new CopyOnWriteArrayList<>();

    /** The Chromium binary: $CHROMIUM when set (null when that is not executable), else /usr/bin/chromium or
     * /usr/bin/chromium-browser, else null. */
    static Path find() {
        String env = System.getenv("CHROMIUM");
        if (env != null && !env.isBlank()) {
            return Files.isExecutable(Path.of(env)) ? Path.of(env) : null;
        }
        for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    HeadlessChromium(Path binary, Path profileDir) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(binary.toString(), "--headless", "--remote-debugging-port=0",
                "--user-data-dir=" + profileDir, "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
                "--force-color-profile=srgb", "about:blank");
        pb.redirectErrorStream(true);
        process = pb.start();
        try {
            connect();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void connect() throws Exception {
        CompletableFuture<String> wsUrl = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (log.length() < 64_000) {
                        log.append(line).append('\n');
                    }
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        wsUrl.complete(m.group(1));
                    }
                }
            } catch (IOException ignored) {
                // the process went away
            }
            wsUrl.completeExceptionally(new IllegalStateException("chromium exited before listening:\n" + log));
        }, "chromium-output");
        reader.setDaemon(true);
        reader.start();
        String url = wsUrl.get(STEP_SECONDS, TimeUnit.SECONDS);
        // The port is the one Chromium chose (--remote-debugging-port=0) and printed; it writes the same into the
        // profile's DevToolsActivePort, but not necessarily before printing, so the printed line is the one read.
        http = new OkHttpClient.Builder().readTimeout(0, TimeUnit.MILLISECONDS).build();
        CompletableFuture<Void> open = new CompletableFuture<>();
        socket = http.newWebSocket(new Request.Builder().url(url.replaceFirst("^ws", "http")).build(),
                new WebSocketListener() {
                    @Override
                    public void onOpen(WebSocket webSocket, Response response) {
                        open.complete(null);
                    }

                    @Override
                    public void onMessage(WebSocket webSocket, String text) {
                        onText(text);
                    }

                    @Override
                    public void onFailure(WebSocket webSocket, Throwable t, Response response) {
                        open.completeExceptionally(t);
                        pending.values().forEach(f -> f.completeExceptionally(t));
                    }
                });
        open.get(STEP_SECONDS, TimeUnit.SECONDS);
    }

    private void onText(String text) {
        JsonNode msg;
        try {
            msg = json.readTree(text);
        } catch (IOException e) {
            return;
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asLong());
            if (f != null) {
                if (msg.has("error")) {
                    f.completeExceptionally(new IllegalStateException("DevTools error: " + msg.get("error")));
                } else {
                    f.complete(msg.get("result"));
                }
            }
        } else {
            eventListeners.forEach(l -> l.accept(msg));
        }
    }

    /** Receives every event (objects with method, params and, for a page session, sessionId). */
    void onEvent(Consumer<JsonNode> listener) {
        eventListeners.add(listener);
    }

    /** Sends a command (to the browser when {@code sessionId} is null) and waits for its result. */
    JsonNode call(String sessionId, String method, Map<String, ?> params) throws Exception {
        long id = ids.incrementAndGet();
        ObjectNode msg = json.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", json.valueToTree(params));
        if (sessionId != null) {
            msg.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        if (!socket.send(json.writeValueAsString(msg))) {
            pending.remove(id);
            throw new IllegalStateException("DevTools socket closed; chromium output:\n" + log);
        }
        return f.get(STEP_SECONDS, TimeUnit.SECONDS);
    }

    /** What Chromium printed (for failure messages). */
    String output() {
        return log.toString();
    }

    @Override
    public void close() {
        try {
            if (socket != null) {
                call(null, "Browser.close", Map.of());
            }
        } catch (Exception ignored) {
            // killed below anyway
        } finally {
            if (socket != null) {
                socket.cancel();
            }
            if (http != null) {
                http.dispatcher().executorService().shutdown();
                http.connectionPool().evictAll();
            }
            destroy();
        }
    }

    private void destroy() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(STEP_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // Children (renderer, GPU, zygote) go with the browser; make sure, and wait, so the profile directory
        // is no longer written when the test deletes it.
        for (ProcessHandle child : children) {
            child.destroyForcibly();
            try {
                child.onExit().get(STEP_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception ignored) {
                // gone already or not ours to wait for
            }
        }
    }
}
