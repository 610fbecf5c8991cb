package dev.fusion.providers.internal;

import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;
import okio.Source;

import java.io.IOException;

/**
 * An <em>application</em> interceptor (it runs after OkHttp's transparent gzip, so it counts the
 * inflated bytes) that bounds the body of every request tagged with a {@link BodyLimit}: a body,
 * or one event of an event stream, that crosses the bound fails the read with
 * {@link ResponseTooLargeException} as soon as it does, before it is buffered whole. A body whose
 * declared {@code Content-Length} is already beyond the bound fails before any of it is read.
 * Untagged requests pass untouched. Stateless and thread-safe (the counting state is per response).
 */
public final class LimitInterceptor implements Interceptor {

    @Override
    public Response intercept(Chain chain) throws IOException {
        BodyLimit limit = chain.request().tag(BodyLimit.class);
        Response response = chain.proceed(chain.request());
        ResponseBody body = response.body();
        if (limit == null || body == null) {
            return response;
        }
        if (!limit.eventStream() && response.isSuccessful() && body.contentLength() > limit.maxBytes()) {
            response.close();
            throw new ResponseTooLargeException("the answer's declared length of " + body.contentLength()
                    + " bytes", limit.maxBytes());
        }
        Source counted = limit.eventStream() ? new EventBound(body.source(), limit.maxBytes())
                : new TotalBound(body.source(), limit.maxBytes());
        return response.newBuilder().body(new CountedBody(body, Okio.buffer(counted))).build();
    }

    /**
     * The original body read through the counting source. Its content type is the original's, asked
     * for only when a reader wants it: OkHttp parses the header with a regex on every call of
     * {@code contentType()}, and the JSON path reads the raw header instead.
     */
    private static final class CountedBody extends ResponseBody {
        private final ResponseBody original;
        private final BufferedSource source;

        CountedBody(ResponseBody original, BufferedSource source) {
            this.original = original;
            this.source = source;
        }

        @Override
        public MediaType contentType() {
            return original.contentType();
        }

        @Override
        public long contentLength() {
            return original.contentLength();
        }

        @Override
        public BufferedSource source() {
            return source;
        }
    }

    /** Counts every byte of the body. */
    private static final class TotalBound extends ForwardingSource {
        private final long max;
        private long total;

        TotalBound(Source delegate, long max) {
            super(delegate);
            this.max = max;
        }

        @Override
        public long read(Buffer sink, long byteCount) throws IOException {
            long n = super.read(sink, byteCount);
            if (n > 0) {
                total += n;
                if (total > max) {
                    throw new ResponseTooLargeException("the answer (after decompression)", max);
                }
            }
            return n;
        }
    }

    /**
     * Counts the bytes of the current event: line terminators ({@code \n}, {@code \r}, {@code \r\n})
     * are not counted, and an empty line (the end of an event) resets the count. Checks on the way that
     * the stream is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing beyond
     * U+10FFFF, no sequence cut by the end of the stream), failing with {@link MalformedStreamException}
     * at the first bad byte, where a decoder would silently put U+FFFD instead.
     */
    private static final class EventBound extends ForwardingSource {
        private final long max;
        private long eventBytes;
        private boolean atLineStart = true;
        private boolean afterCr;
        private final Utf8Check utf8 = new Utf8Check();
        private long offset;
        /** Reused across reads: one source is read by one thread at a time. */
        private final Buffer.UnsafeCursor cursor = new Buffer.UnsafeCursor();

        EventBound(Source delegate, long max) {
            super(delegate);
            this.max = max;
        }

        @Override
        public long read(Buffer sink, long byteCount) throws IOException {
            long start = sink.size();
            long n = super.read(sink, byteCount);
            if (n < 0 && utf8.inSequence()) {
                throw new MalformedStreamException("the event stream ends inside a UTF-8 sequence");
            }
            if (n <= 0) {
                return n;
            }
            // The new bytes are the sink's tail: scanned segment by segment through a cursor, not with
            // getByte(i), which seeks through the buffer's segments again for every byte.
            try (Buffer.UnsafeCursor cursor = sink.readUnsafe(this.cursor)) {
                for (int got = cursor.seek(start); got != -1; got = cursor.next()) {
                    byte[] data = cursor.data;
                    for (int i = cursor.start, end = cursor.end; i < end; i++) {
                        if (data[i] >= 0x20 && !utf8.inSequence()) {
                            // A run of printable ASCII (0x20..0x7F) outside a UTF-8 sequence, the bulk of
                            // every event: valid UTF-8 and no line break, so it only adds to the event's
                            // bytes (checked once per run, with the same failure as byte by byte).
                            int run = i;
                            while (i + 1 < end && data[i + 1] >= 0x20) {
                                i++;
                            }
                            int k = i - run + 1;
                            offset += k;
                            afterCr = false;
                            atLineStart = false;
                            eventBytes += k;
                            if (eventBytes > max) {
                                throw new ResponseTooLargeException("one server-sent event", max);
                            }
                        } else {
                            count(data[i]);
                        }
                    }
                }
            }
            return n;
        }

        private void count(byte b) throws IOException {
            utf8(b);
            if (b == '\n' && afterCr) {
                afterCr = false; // the second half of \r\n
            } else if (b == '\n' || b == '\r') {
                afterCr = b == '\r';
                if (atLineStart) {
                    eventBytes = 0; // an empty line: the event ended
                }
                atLineStart = true;
            } else {
                afterCr = false;
                atLineStart = false;
                if (++eventBytes > max) {
                    throw new ResponseTooLargeException("one server-sent event", max);
                }
            }
        }

        private void utf8(byte b) throws MalformedStreamException {
            offset++;
            if (!utf8.accept(b)) {
                throw new MalformedStreamException("the event stream is not valid UTF-8 (byte " + offset + ")");
            }
        }
    }
}
