package dev.fusion.providers.internal;

import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared client: the Java 17 (platform thread) dispatcher under load, and its timeouts. */
class HttpClientsTest {

    @Test
    void moreCallsThanTheThreadCapQueueAndAllSucceed() throws Exception {
        OkHttpClient base = HttpClients.createPlatform();
        // No network: an interceptor holds each call until every call is enqueued, so calls finish while
        // others wait in the dispatcher's queue (the hand-over in which a finishing thread is still busy).
        CountDownLatch allEnqueued = new CountDownLatch(1);
        OkHttpClient client = base.newBuilder().addInterceptor(chain -> {
            try {
                if (!allEnqueued.await(30, TimeUnit.SECONDS)) {
                    throw new IOException("the test never enqueued every call");
                }
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return new Response.Builder().request(chain.request()).protocol(Protocol.HTTP_1_1).code(200)
                    .message("OK").body(ResponseBody.create(new byte[0], null)).build();
        }).build();
        int calls = 3 * HttpClients.PLATFORM_MAX;
        CountDownLatch done = new CountDownLatch(calls);
        AtomicInteger ok = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        for (int i = 0; i < calls; i++) {
            client.newCall(new Request.Builder().url("http://127.0.0.1:9/x" + i).build()).enqueue(new Callback() {
                @Override
                public void onFailure(Call call, IOException e) {
                    failures.merge(String.valueOf(e.getMessage()), 1, Integer::sum);
                    done.countDown();
                }

                @Override
                public void onResponse(Call call, Response response) {
                    response.close();
                    ok.incrementAndGet();
                    done.countDown();
                }
            });
        }
        assertThat(base.dispatcher().queuedCallsCount()).as("calls wait in the queue").isPositive();
        allEnqueued.countDown();
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(failures).isEmpty();
        assertThat(ok.get()).isEqualTo(calls);
        assertThat(base.dispatcher().getMaxRequests()).isEqualTo(HttpClients.PLATFORM_MAX);
    }

    @Test
    void noPerIoTimeoutsSoOkiosWatchdogIsNotWokenPerCall() {
        // Fusion's own call timeout cancels the call (closing the socket); OkHttp's read/write
        // timeouts would wake Okio's watchdog thread on nearly every read and write (see RESULTS.md).
        for (OkHttpClient c : new OkHttpClient[] {HttpClients.create(), HttpClients.createPlatform()}) {
            assertThat(c.readTimeoutMillis()).isZero();
            assertThat(c.writeTimeoutMillis()).isZero();
            assertThat(c.callTimeoutMillis()).isZero();
            assertThat(c.connectTimeoutMillis()).isEqualTo(15_000);
        }
    }
}
