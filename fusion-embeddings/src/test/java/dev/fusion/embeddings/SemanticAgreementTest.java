package dev.fusion.embeddings;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import dev.langchain4j.model.output.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs the real bundled model (offline; about 1.5 s to load once per JVM). */
class SemanticAgreementTest {

    private static final SemanticAgreement RULE = SemanticAgreement.create();

    @BeforeAll
    static void load() {
        long t0 = System.nanoTime();
        RULE.warmUp().block(Duration.ofSeconds(60));
        // Includes the model load only when this class is the first in the JVM to use the model.
        System.out.printf("[fusion-embeddings] warm-up: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    private static List<Integer> group(String... answers) {
        return RULE.largestAgreeingGroup("q", List.of(answers)).block(Duration.ofSeconds(30));
    }

    private static double sim(String a, String b) {
        return RULE.similarity(a, b).block(Duration.ofSeconds(30));
    }

    @Test
    void paraphrasesAgree() {
        assertThat(group("Paris is the capital of France.", "The capital of France is Paris.")).containsExactly(0, 1);
        assertThat(RULE.agree("Shakespeare wrote Hamlet.", "Hamlet was written by William Shakespeare.").block()).isTrue();
        assertThat(RULE.agree("The function returns null when the list is empty.",
                "If the list is empty, the function returns null.").block()).isTrue();
    }

    @Test
    void differentAnswersDoNotAgree() {
        assertThat(group("Paris", "Lyon is the capital")).isEmpty();
        assertThat(group("Paris is the capital of France.", "Lyon is the capital of France.")).isEmpty();
        assertThat(RULE.agree("The function returns null when the list is empty.",
                "The function throws an exception when the list is empty.").block()).isFalse();
    }

    /** The calibration behind DEFAULT_THRESHOLD = 0.90: near pairs above it, far pairs well below. */
    @Test
    void nearPairsScoreAboveTheThresholdAndFarPairsBelow() {
        String[][] near = {
                {"Paris is the capital of France.", "The capital of France is Paris."},
                {"Water boils at 100 degrees Celsius at sea level.", "At sea level, water boils at 100 °C."},
                {"Shakespeare wrote Hamlet.", "Hamlet was written by William Shakespeare."},
                {"The function returns null when the list is empty.", "If the list is empty, the function returns null."},
        };
        String[][] far = {
                {"Paris", "Lyon is the capital"},
                {"Paris is the capital of France.", "Lyon is the capital of France."},
                {"Shakespeare wrote Hamlet.", "Christopher Marlowe wrote Hamlet."},
                {"Use a HashMap for constant-time lookups.", "Use a TreeMap to keep the keys sorted."},
                {"The function returns null when the list is empty.", "The function throws an exception when the list is empty."},
        };
        for (String[] p : near) {
            assertThat(sim(p[0], p[1])).as("near: %s | %s", p[0], p[1]).isGreaterThanOrEqualTo(SemanticAgreement.DEFAULT_THRESHOLD);
        }
        for (String[] p : far) {
            assertThat(sim(p[0], p[1])).as("far: %s | %s", p[0], p[1]).isLessThan(SemanticAgreement.DEFAULT_THRESHOLD - 0.05);
        }
    }

    @Test
    void guardsCatchWhatTheEmbeddingsMiss() {
        String yes = "Yes, it is safe to use.", no = "No, it is not safe to use.";
        String hot = "Water boils at 100 degrees Celsius at sea level.", cold = "Water boils at 90 degrees Celsius at sea level.";
        // The embeddings alone call these the same answer...
        assertThat(sim(yes, no)).isGreaterThan(0.95);
        assertThat(sim(hot, cold)).isGreaterThan(0.95);
        assertThat(RULE.withGuards(false).agree(yes, no).block()).isTrue();
        assertThat(RULE.withGuards(false).agree(hot, cold).block()).isTrue();
        // ...the guards do not.
        assertThat(RULE.agree(yes, no).block()).isFalse();
        assertThat(RULE.agree(hot, cold).block()).isFalse();
    }

    @Test
    void theLargestGroupIsChosenAndItsMostCentralMemberComesFirst() {
        List<Integer> g = group(
                "Lyon is the capital of France.",
                "Paris is the capital of France.",
                "Use a TreeMap to keep the keys sorted.",
                "The capital of France is Paris.",
                "France's capital city is Paris.",
                "Lyon is France's capital.");
        assertThat(g).containsExactlyInAnyOrder(1, 3, 4);
        // The pair of Lyon answers (0, 5) is a smaller group and loses even though it comes first.
    }

    @Test
    void blankAnswersNeverAgreeAndFewerThanTwoAnswersGiveNoGroup() {
        assertThat(group("", "  ", "Paris")).isEmpty();
        assertThat(group("Paris", " ", "Paris.")).containsExactlyInAnyOrder(0, 2);
        assertThat(group("Paris")).isEmpty();
        assertThat(group()).isEmpty();
    }

    @Test
    void embeddingRunsOnBoundedElasticAndNothingHappensBeforeSubscription() {
        List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        EmbeddingModel real = new AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);
        EmbeddingModel spy = new EmbeddingModel() {
            @Override
            public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
                threads.add(Thread.currentThread().getName());
                return real.embedAll(segments);
            }
        };
        SemanticAgreement rule = SemanticAgreement.using(spy, "spy");
        Mono<List<Integer>> m = rule.largestAgreeingGroup("q",
                List.of("Paris is the capital of France.", "The capital of France is Paris."));
        assertThat(threads).isEmpty();
        assertThat(m.block(Duration.ofSeconds(30))).hasSize(2);
        assertThat(threads).singleElement().asString().startsWith("boundedElastic-");
    }

    @Test
    void concurrentAsksShareOneModelAndGetTheSameAnswer() {
        List<List<Integer>> results = Flux.range(0, 32)
                .flatMap(i -> RULE.largestAgreeingGroup("q", List.of("Lyon.", "Paris is the capital of France.",
                        "The capital of France is Paris.")), 8)
                .collectList().block(Duration.ofSeconds(60));
        assertThat(results).hasSize(32).allSatisfy(g -> assertThat(g).containsExactlyInAnyOrder(1, 2));
    }

    @Test
    void aModelThatFailsToLoadIsAnOrdinaryError() {
        AtomicInteger calls = new AtomicInteger();
        EmbeddingModel broken = new EmbeddingModel() {
            @Override
            public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
                calls.incrementAndGet();
                throw new ExceptionInInitializerError("no native library");
            }
        };
        // A LinkageError is Reactor-fatal: unguarded, the Mono would never complete and the cascade would wait
        // for the ask's deadline. It must arrive as an ordinary error signal, at once.
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> SemanticAgreement.using(broken, "broken")
                .largestAgreeingGroup("q", List.of("a", "b")).block(Duration.ofSeconds(10)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("could not be loaded or run")
                .hasCauseInstanceOf(ExceptionInInitializerError.class);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        assertThat(calls).hasValue(1);
    }

    @Test
    void configurationIsValidatedAndNamed() {
        assertThatThrownBy(() -> RULE.withThreshold(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RULE.withThreshold(1.01)).isInstanceOf(IllegalArgumentException.class);
        assertThat(RULE.withThreshold(0.8).threshold()).isEqualTo(0.8);
        assertThat(RULE.name()).isEqualTo("semantic(all-minilm-l6-v2-q, threshold=0.90, guards=on)");
    }

    @Test
    void embeddingTimePerAnswer() {
        List<String> answers = List.of("The capital of France is Paris, on the Seine.",
                "Paris has been the capital of France since the tenth century, apart from a few interruptions.",
                "France's capital is Paris.", "It is Paris.");
        group(answers.toArray(String[]::new)); // warm
        int rounds = 10;
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            group(answers.toArray(String[]::new));
        }
        double perAnswerMs = (System.nanoTime() - t0) / 1e6 / rounds / answers.size();
        System.out.printf("[fusion-embeddings] %.1f ms per answer (%d answers x %d rounds)%n", perAnswerMs, answers.size(), rounds);
        assertThat(perAnswerMs).isLessThan(500); // a smoke bound on a shared 2-core machine, not a benchmark
    }
}
