package dev.fusion.providers.hostile;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A bare HTTP/1.1 keep-alive server on 127.0.0.1 whose connections die the way real servers' do,
 * without saying so (no {@code Connection: close}): the socket just closes.
 * <ul>
 *   <li>{@link Policy#CLOSE_AFTER_RESPONSE}: every connection is closed right after its first response;</li>
 *   <li>{@link Policy#KEEP_ALIVE}: connections stay open until the test calls {@link #closeIdle()}
 *       (a server's idle timeout, driven on demand instead of by a clock);</li>
 *   <li>{@link Policy#DROP}: every request is read and its connection closed without an answer.</li>
 * </ul>
 * Answers come from the {@code answer} function (request path and body to the whole answer); event
 * streams are sent chunked, as llama-server sends them. Counts the requests that arrived on a
 * connection's first exchange and on a reused connection.
 */
final class KeepAliveServer implements AutoCloseable {

    enum Policy { KEEP_ALIVE, CLOSE_AFTER_RESPONSE, DROP }

    /** One answer: status, content type, body; {@code chunked} sends the body as one chunk per event. */
    record Answer(int status, String contentType, String body, boolean chunked) {
    }

    private final ServerSocket socket;
    private final Function<String[], Answer> answer;
    /** Open connections and the thread serving each. */
    private final Map<Socket, Thread> open = new ConcurrentHashMap<>();
    private final Set<Socket> busy = ConcurrentHashMap.newKeySet();
    private volatile Policy policy;
    final AtomicInteger freshRequests = new AtomicInteger();
    final AtomicInteger reusedRequests = new AtomicInteger();
    final AtomicInteger connections = new AtomicInteger();
    /** What happened, in order (for failure messages). */
    final java.util.Queue<String> log = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** @param answer from {path, request body} to the answer */
    KeepAliveServer(Policy policy, Function<String[], Answer> answer) throws IOException {
        this.policy = policy;
        this.answer = answer;
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    connections.incrementAndGet();
                    Thread t = new Thread(() -> serve(s), "keep-alive-conn");
                    t.setDaemon(true);
                    open.put(s, t);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "keep-alive-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    void policy(Policy p) {
        policy = p;
    }

    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/";
    }

    /**
     * Closes every connection not busy with a request, as a server's idle timeout does, and returns
     * once their threads have ended: a request sent afterwards on one of them is never read. Called
     * between calls (no request in flight), it closes them all, deterministically.
     */
    void closeIdle() throws InterruptedException {
        for (Map.Entry<Socket, Thread> e : open.entrySet()) {
            Socket s = e.getKey();
            if (!busy.contains(s)) {
                log.add("closeIdle conn " + s.getPort());
                try {
                    // Wakes the thread blocked reading the next request (a plain close() from another
                    // thread leaves that read pending until data arrives, and the data would be read).
                    s.shutdownInput();
                } catch (IOException alreadyClosed) {
                    // ended already
                }
                e.getValue().join();
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int n = 0; ; n++) {
                String[] request = readRequest(in, s);
                if (request == null) {
                    return; // the client closed the connection
                }
                (n == 0 ? freshRequests : reusedRequests).incrementAndGet();
                log.add("conn " + s.getPort() + " request " + n + " " + request[0] + " stream=" + request[1].contains("\"stream\":true"));
                Policy p = policy;
                if (p == Policy.DROP) {
                    return;
                }
                Answer a = answer.apply(request);
                // Idle from here on for closeIdle(): once the client holds the whole answer, this
                // connection is already out of the busy set, so closeIdle() between calls is exact.
                busy.remove(s);
                write(out, a);
                out.flush();
                if (p == Policy.CLOSE_AFTER_RESPONSE) {
                    return;
                }
            }
        } catch (IOException closed) {
            // closed by closeIdle() or by the client
            log.add("conn " + s.getPort() + " ended: " + closed);
        } finally {
            busy.remove(s);
            open.remove(s);
            log.add("conn " + s.getPort() + " closed");
        }
    }

    /** {path, body}, or null at a clean end of the connection. */
    private String[] readRequest(InputStream in, Socket s) throws IOException {
        String requestLine = readLine(in, true);
        if (requestLine == null) {
            return null;
        }
        busy.add(s);
        long length = 0;
        for (String l = readLine(in, false); !l.isEmpty(); l = readLine(in, false)) {
            if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Long.parseLong(l.substring("content-length:".length()).trim());
            }
        }
        byte[] body = in.readNBytes((int) length);
        String[] parts = requestLine.split(" ");
        return new String[] {parts.length > 1 ? parts[1] : "", new String(body, StandardCharsets.UTF_8)};
    }

    private static String readLine(InputStream in, boolean endAllowed) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                return line.toString(StandardCharsets.US_ASCII).trim();
            }
            line.write(c);
        }
        if (endAllowed && line.size() == 0) {
            return null;
        }
        throw new IOException("request ended early");
    }

    private static void write(OutputStream out, Answer a) throws IOException {
        byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(a.status()).append(a.status() == 200 ? " OK" : " Error")
                .append("\r\nContent-Type: ").append(a.contentType()).append("\r\n");
        if (!a.chunked()) {
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            return;
        }
        head.append("Transfer-Encoding: chunked\r\n\r\n");
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        for (String event : a.body().split("(?<=\n\n)")) {
            byte[] chunk = event.getBytes(StandardCharsets.UTF_8);
            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(chunk);
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static void closeQuietly(java.io.Closeable s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() {
        closeQuietly(socket);
        open.keySet().forEach(KeepAliveServer::closeQuietly);
    }
}
