package dev.fusion;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRef;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.fusion.model.ProviderException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A {@link LinkageError} inside a member's or the judge's call (two versions of a library on the class
 * path) is a typed configuration failure naming what is missing: never a connection error, never retried,
 * never escaping the ask.
 */
class LinkageErrorTest {

    /** A method that does not exist on a class that does: as when another version of the library won. */
    static final String MISSING_METHOD =
            "'java.util.List com.fasterxml.jackson.databind.ObjectMapper.validateEverything(java.lang.String)'";

    /** How a model can fail with a LinkageError. */
    enum Way {
        /** {@code call()} itself throws (the error is raised while building the request). */
        THROWN_BY_CALL,
        /** The returned Mono throws when subscribed (Reactor rethrows LinkageError as JVM-fatal). */
        THROWN_ON_SUBSCRIBE,
        /** The Mono signals the error. */
        SIGNALLED,
        /** An HTTP client reports the Error thrown in its callback as an I/O failure (OkHttp does). */
        WRAPPED_AS_IO_FAILURE
    }

    static final class LinkageModel implements ChatModel {
        final ModelRef ref;
        final Way way;
        final AtomicInteger calls = new AtomicInteger();

        LinkageModel(String ref, Way way) {
            this.ref = ModelRef.parse(ref);
            this.way = way;
        }

        @Override
        public ModelRef ref() {
            return ref;
        }

        @Override
        public Mono<ModelResponse> call(ModelRequest request) {
            calls.incrementAndGet();
            NoSuchMethodError error = new NoSuchMethodError(MISSING_METHOD);
            return switch (way) {
                case THROWN_BY_CALL -> throw error;
                case THROWN_ON_SUBSCRIBE -> Mono.fromCallable(() -> {
                    throw error;
                });
                case SIGNALLED -> Mono.create(sink -> sink.error(error));
                case WRAPPED_AS_IO_FAILURE -> {
                    IOException io = new IOException("canceled due to " + error);
                    io.addSuppressed(error);
                    yield Mono.error(ProviderException.transport("connection to http://127.0.0.1:1 failed", io));
                }
            };
        }
    }

    private static Fusion fusion(ChatModel broken, ChatModel judge, int quorum) {
        return Fusion.builder()
                .panel(broken, FakeModel.instant("p:good", "Paris is the capital of France."))
                .judge(judge)
                .quorum(quorum)
                .retry(RetryPolicy.retries(3))  // a retryable failure would be tried 4 times
                .allowUnpriced(true)
                .deadline(Duration.ofSeconds(30))
                .build();
    }

    @ParameterizedTest
    @EnumSource(Way.class)
    void aMembersLinkageErrorIsAConfigurationFailureNamingTheMethod(Way way) {
        LinkageModel broken = new LinkageModel("p:broken", way);

        FusionResult r = fusion(broken, FakeModel.instant("p:judge", "Paris."), 1).ask("Capital of France?");

        assertThat(r.answer()).isEqualTo("Paris.");
        CallRecord failed = r.calls().stream().filter(c -> c.memberId().equals("p:broken")).findFirst().orElseThrow();
        assertThat(failed.status()).isEqualTo(CallStatus.FAILED);
        assertThat(failed.error().type()).isEqualTo("configuration_error").isNotEqualTo("connection_error");
        assertThat(failed.error().retryable()).isFalse();
        assertThat(failed.error().message())
                .contains("class path is inconsistent", "NoSuchMethodError",
                        "com.fasterxml.jackson.databind.ObjectMapper.validateEverything")
                // the class that is there, and where it came from: the version the build picked
                .contains("com.fasterxml.jackson.databind.ObjectMapper loaded from ").contains("jackson-databind");
        assertThat(broken.calls.get()).as("not retried: the same call fails the same way").isEqualTo(1);
    }

    @Test
    void whenTheQuorumFailsTheExceptionSaysWhatIsMissing() {
        LinkageModel broken = new LinkageModel("p:broken", Way.THROWN_ON_SUBSCRIBE);

        assertThatThrownBy(() -> fusion(broken, FakeModel.instant("p:judge", "Paris."), 2).ask("Capital of France?"))
                .isInstanceOf(QuorumNotMetException.class)
                .hasMessageContaining("p:broken failed (configuration_error: the class path is inconsistent: NoSuchMethodError")
                .hasMessageContaining("validateEverything")
                .hasMessageNotContaining("connection_error");
    }

    @Test
    void aJudgesNoClassDefFoundErrorIsAConfigurationFailureToo() {
        ChatModel judge = new ChatModel() {
            @Override
            public ModelRef ref() {
                return ModelRef.parse("p:judge");
            }

            @Override
            public Mono<ModelResponse> call(ModelRequest request) {
                throw new NoClassDefFoundError("com/example/schema/Validator");
            }
        };
        Fusion fusion = Fusion.builder()
                .panel(FakeModel.instant("p:a", "Paris."), FakeModel.instant("p:b", "Paris."))
                .judge(judge).quorum(2).allowUnpriced(true).onJudgeFailure(OnJudgeFailure.FAIL)
                .deadline(Duration.ofSeconds(30))
                .build();

        assertThatThrownBy(() -> fusion.ask("Capital of France?"))
                .isInstanceOfSatisfying(JudgeFailedException.class, e -> {
                    CallRecord j = e.calls().stream().filter(c -> c.role() == CallRole.JUDGE).findFirst().orElseThrow();
                    assertThat(j.error().type()).isEqualTo("configuration_error");
                    assertThat(j.error().message()).contains("NoClassDefFoundError: com/example/schema/Validator");
                });
    }

    @Test
    void aTransportFailureWithoutALinkageErrorStaysAConnectionError() {
        ProviderException e = ProviderException.transport("connection reset", new IOException("reset"));

        assertThat(e.kind()).isEqualTo(ProviderException.Kind.TRANSPORT);
        assertThat(CallError.of(e).type()).isEqualTo("connection_error");
        assertThat(ProviderException.linkage(new IOException("reset"))).isNull();
        assertThat(CallError.of(new IllegalStateException("x", new NoSuchFieldError("com.example.A.b"))).type())
                .isEqualTo("configuration_error");
    }
}
