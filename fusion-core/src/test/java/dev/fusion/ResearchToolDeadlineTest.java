package dev.fusion;

import dev.fusion.cost.Usage;
import dev.fusion.internal.VirtualTime;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ToolCall;
import dev.fusion.model.ToolSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Research tools and time, in virtual time (only the virtual clock decides; the latches only wait for
 * things that must happen): a tool that blocks is interrupted when the ask's deadline passes, and a
 * tool past its own timeout becomes an error result while the ask goes on.
 */
class ResearchToolDeadlineTest {

    static final ToolSpec LOOKUP = ToolSpec.of("lookup", "Looks a word up",
            "{\"type\":\"object\",\"properties\":{\"word\":{\"type\":\"string\"}}}");

    /** Calls the tool until it has a result, then answers with it. */
    static FakeModel researcher(String ref) {
        return FakeModel.responding(ref, r -> r.messages().stream().anyMatch(m -> !m.toolResults().isEmpty())
                ? ModelResponse.of("answer with " + r.messages().get(r.messages().size() - 1).toolResults().get(0).content(),
                Usage.of(30, 5))
                : new ModelResponse("", Usage.of(20, 4), null, "tool_calls", null, true,
                List.of(new ToolCall("c1", "lookup", "{\"word\":\"x\"}"))));
    }

    @Test
    void aToolThatBlocksIsInterruptedAtTheAsksDeadline() throws Exception {
        VirtualTime time = new VirtualTime();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        Fusion f = Fusion.builder().panel(researcher("p:a")).judge(FakeModel.instant("p:j", "judged"))
                .researchTool(LOOKUP, call -> {
                    running.countDown();
                    try {
                        new CountDownLatch(1).await(); // blocks until interrupted
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                        throw e;
                    }
                    return "never";
                })
                .researchToolTimeout(Duration.ofMinutes(10)).deadline(Duration.ofSeconds(30))
                .scheduler(time.scheduler()).build();

        CompletableFuture<FusionResult> result = f.askAsync(FusionRequest.of("q")).toFuture();
        assertThat(running.await(30, TimeUnit.SECONDS)).as("the tool runs").isTrue();
        time.awaitQuiet();
        assertThat(interrupted.getCount()).as("not interrupted before the deadline").isEqualTo(1);
        time.advance(Duration.ofSeconds(30));

        assertThat(interrupted.await(30, TimeUnit.SECONDS)).as("the tool was interrupted").isTrue();
        Throwable failure = null;
        try {
            result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        }
        assertThat(failure).isInstanceOf(QuorumNotMetException.class);
        List<CallRecord> calls = ((AskFailedException) failure).calls();
        assertThat(calls).extracting(CallRecord::step).containsExactly("research", "answer");
        assertThat(calls.get(1).status()).isEqualTo(CallStatus.TIMEOUT);
        assertThat(calls.get(1).error().type()).isEqualTo("deadline");
        assertThat(calls.get(0).usage()).isEqualTo(Usage.of(20, 4));
        assertThat(time.elapsed()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aToolPastItsTimeoutGivesTheMemberAnErrorResult() throws Exception {
        VirtualTime time = new VirtualTime();
        CountDownLatch running = new CountDownLatch(1);
        Fusion f = Fusion.builder().panel(researcher("p:a")).judge(FakeModel.instant("p:j", "judged"))
                .researchTool(LOOKUP, call -> {
                    running.countDown();
                    new CountDownLatch(1).await();
                    return "never";
                })
                .researchToolTimeout(Duration.ofSeconds(5)).deadline(Duration.ofSeconds(60))
                .scheduler(time.scheduler()).build();

        CompletableFuture<FusionResult> result = f.askAsync(FusionRequest.of("q")).toFuture();
        assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
        time.awaitQuiet();
        time.advance(Duration.ofSeconds(5));

        FusionResult r = result.get(30, TimeUnit.SECONDS);
        assertThat(r.answer()).isEqualTo("judged");
        assertThat(r.panel()).extracting(CallRecord::step).containsExactly("research", "answer");
        assertThat(r.panel().get(0).toolResults()).singleElement().satisfies(t -> {
            assertThat(t.error()).isTrue();
            assertThat(t.content()).contains("timed out after 5000 ms");
        });
        assertThat(r.panel().get(1).text()).isEqualTo("answer with the tool timed out after 5000 ms");
    }
}
