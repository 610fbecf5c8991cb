package dev.fusion.redis;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (from the OS packages) on a free loopback port, started before a test
 * class and stopped after it; {@link #stop()} and {@link #start()} restart it on the same port mid-test
 * (without persistence: a restart loses the data, as a crashed Redis without AOF would). Without
 * redis-server the tests fail in CI ({@code CI} set) and are skipped, with a message, elsewhere.
 */
public final class RedisServer implements BeforeAllCallback, AfterAllCallback {

    private int port;
    private Process process;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        String binary = findBinary();
        if (binary == null) {
            String msg = "redis-server is not installed (the shared-state tests need a real Redis): "
                    + "apt-get install -y redis-server (.ci/run installs it when missing)";
            if (System.getenv("CI") != null) {
                throw new AssertionError(msg);
            }
            Assumptions.abort(msg + "; skipped because CI is not set");
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    private static String findBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            File f = new File(dir, "redis-server");
            if (f.canExecute()) {
                return f.getPath();
            }
        }
        File sbin = new File("/usr/bin/redis-server");
        return sbin.canExecute() ? sbin.getPath() : null;
    }

    /** Starts (again) on the same port and waits until it answers PING. */
    public synchronized void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(List.of(findBinary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < until) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + " on port " + port);
            }
            if ("+PONG".equals(command("PING"))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within 15 s");
    }

    /** Stops it (SIGKILL: as abrupt as a crash) and waits until it is gone. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    public String url() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    public int port() {
        return port;
    }

    /** Sends one inline command and returns the first reply line, or null when the server does not answer. */
    public String command(String inline) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n') {
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            if (sb.length() > 0 && sb.charAt(0) == '$' && !sb.toString().equals("$-1")) {
                StringBuilder v = new StringBuilder();
                while ((c = in.read()) != -1 && c != '\n') {
                    if (c != '\r') {
                        v.append((char) c);
                    }
                }
                return v.toString();
            }
            return sb.toString();
        } catch (IOException e) {
            return null;
        }
    }
}
