package dev.fusion.bench.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link ServerMain} as a child JVM (same java, same class path) and talks to it. The
 * server gets its own heap and its own CPU, so what the client process measures is the client's.
 * Thread-safe for the few calls a benchmark makes.
 */
public final class ServerProcess implements AutoCloseable {

    /** The server of the running benchmark trial, for {@code dev.fusion.bench.jmh.CpuProfiler}. */
    public static volatile ServerProcess current;

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final int port;

    private ServerProcess(ServerConfig config) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xms256m");
        cmd.add("-Xmx2g");
        cmd.add("-XX:+UseParallelGC");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ServerMain.class.getName());
        cmd.addAll(List.of(config.args()));
        try {
            process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        String first = readLine();
        if (first == null || !first.startsWith("READY ")) {
            process.destroyForcibly();
            throw new IllegalStateException("benchmark server did not start: " + first);
        }
        port = Integer.parseInt(first.substring(6).trim());
    }

    public static ServerProcess start(ServerConfig config) {
        ServerProcess p = new ServerProcess(config);
        current = p;
        return p;
    }

    public static ServerProcess start(String... keyValues) {
        return start(ServerConfig.of(keyValues));
    }

    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The OpenAI-compatible base URL ({@code …/v1}). */
    public String openAiBase() {
        return baseUrl() + "/v1";
    }

    public synchronized ServerStats stats() {
        in.println("stats");
        return ServerStats.parse(readLine());
    }

    public synchronized void reset() {
        in.println("reset");
        String ok = readLine();
        if (!"OK".equals(ok)) {
            throw new IllegalStateException("reset failed: " + ok);
        }
    }

    private String readLine() {
        try {
            return out.readLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (current == this) {
            current = null;
        }
        in.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
