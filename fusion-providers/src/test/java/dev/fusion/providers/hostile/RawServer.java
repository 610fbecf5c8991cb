package dev.fusion.providers.hostile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare HTTP/1.1 server on 127.0.0.1 for answers MockWebServer cannot hold in memory: endless
 * bodies and streams written as long as the client reads. Each connection takes one request (its
 * body is read and dropped) and gets the {@link Responder}'s answer, then the connection closes.
 */
final class RawServer implements AutoCloseable {

    /** Writes the whole response (status line, headers, body) for one request. */
    interface Responder {
        void respond(OutputStream out) throws IOException;
    }

    private final ServerSocket socket;
    private final Thread acceptor;
    final AtomicInteger requests = new AtomicInteger();

    RawServer(Responder responder) throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    Thread t = new Thread(() -> serve(s, responder), "raw-server-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException closed) {
                    return;
                }
            }
        }, "raw-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void serve(Socket s, Responder responder) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            long contentLength = readHeaders(in);
            in.skipNBytes(contentLength);
            requests.incrementAndGet();
            OutputStream out = s.getOutputStream();
            responder.respond(out);
            out.flush();
        } catch (IOException clientWentAway) {
            // expected: the client aborts endless answers
        }
    }

    private static long readHeaders(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        long length = 0;
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                String l = line.toString().trim();
                if (l.isEmpty()) {
                    return length;
                }
                if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                    length = Long.parseLong(l.substring("content-length:".length()).trim());
                }
                line.setLength(0);
            } else {
                line.append((char) c);
            }
        }
        throw new IOException("request ended early");
    }

    String url() {
        return "http://127.0.0.1:" + socket.getLocalPort() + "/";
    }

    static void head(OutputStream out, String contentType, String... extra) throws IOException {
        StringBuilder sb = new StringBuilder("HTTP/1.1 200 OK\r\nContent-Type: ").append(contentType)
                .append("\r\nConnection: close\r\n");
        for (String h : extra) {
            sb.append(h).append("\r\n");
        }
        out.write(sb.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
