package dev.fusion.providers.hostile;

import dev.fusion.CallRecord;
import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.Member;
import dev.fusion.OnJudgeFailure;
import dev.fusion.RetryPolicy;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;

import java.time.Duration;
import java.util.Map;

/**
 * The child JVM of {@link StreamedMemoryTest}: one ask whose panel has a member streaming an endless
 * answer and a well-behaved member, judged by a model streaming an endless answer, printed one
 * record per line. Run with a small heap ({@code -Xmx128m -XX:+ExitOnOutOfMemoryError}): an
 * allocation that grows with what the servers send ends the process with exit code 3.
 *
 * <p>Arguments: the wire format, then the base URLs of the endless member, the good member and the judge.
 */
public final class StreamedMemoryMain {

    private StreamedMemoryMain() {
    }

    public static void main(String[] args) {
        Wire w = Wire.valueOf(args[0]);
        // Loaded as a long-running process would have it: cut-off calls are then counted by BPE.
        dev.fusion.internal.CutOffTokens.loadNow();
        Providers providers = Providers.builder().env(Map.of(Wire.KEY_ENV, "sk-mem0ryK3yQ2wE9rTzzzzz"))
                .provider("bad", ProviderSpec.of(w.kind, url(w, args[1]), Wire.KEY_ENV))
                .provider("good", ProviderSpec.of(w.kind, url(w, args[2]), Wire.KEY_ENV))
                .provider("judge", ProviderSpec.of(w.kind, url(w, args[3]), Wire.KEY_ENV)).build();
        RetryPolicy once = new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(1), Duration.ofSeconds(1), 0);
        Fusion fusion = Fusion.builder()
                .member(Member.of("bad", providers.model("bad:m")).withRetry(once))
                .member(Member.of("good", providers.model("good:m")).withRetry(once))
                .judge(providers.model("judge:m")).judgeRetry(once).panelStreaming(true)
                .onJudgeFailure(OnJudgeFailure.BEST_ANSWER).deadline(Duration.ofSeconds(90)).build();
        long start = System.nanoTime();
        long[] deltas = {0};
        FusionEvent last = fusion.stream(FusionRequest.of("Say hello.")).doOnNext(e -> {
            if (e instanceof FusionEvent.JudgeDelta) {
                deltas[0]++;
            }
        }).blockLast(Duration.ofSeconds(120));
        FusionResult r = ((FusionEvent.Completed) last).result();
        for (CallRecord c : r.calls()) {
            System.out.println("RECORD " + c.memberId() + " status=" + c.status().wireName() + " error="
                    + (c.error() == null ? "-" : c.error().type()) + " quality=" + c.usageQuality()
                    + " output=" + c.usage().completionTokens() + " text=" + (c.text() == null ? 0 : c.text().length()));
        }
        System.out.println("ANSWER " + r.answer());
        System.out.println("ELAPSED_MS " + (System.nanoTime() - start) / 1_000_000);
        System.out.println("MAX_HEAP_MB " + (Runtime.getRuntime().maxMemory() >> 20));
        System.exit(0);
    }

    private static String url(Wire w, String base) {
        return w.basePath.equals("/v1") ? base + "v1" : base;
    }
}
