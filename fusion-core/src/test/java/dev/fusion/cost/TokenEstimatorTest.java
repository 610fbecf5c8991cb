package dev.fusion.cost;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default estimator against jtokkit's exact count on real text (this module's own Java sources and
 * the repository's Markdown): counting in cached pieces changes no count, and a long text's sampled
 * estimate stays close to the exact count.
 */
class TokenEstimatorTest {

    private static final Encoding EXACT = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final ModelRef OPENAI = ModelRef.parse("openai:gpt-4o");

    private static String corpus() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Path root : new Path[] {Path.of("src/main/java"), Path.of("../docs")}) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".java") || f.toString().endsWith(".md"))
                        .sorted().toList()) {
                    sb.append(Files.readString(p)).append("\n\n");
                }
            }
        }
        return sb.toString();
    }

    @Test
    void piecewiseCountsEqualTheExactCountOnRealText() throws IOException {
        String corpus = corpus();
        assertThat(corpus.length()).isGreaterThan(200_000);
        Random random = new Random(7);
        TokenEstimator.Default estimator = new TokenEstimator.Default(1.0, 0);
        for (int i = 0; i < 60; i++) {
            int len = 1 + random.nextInt(TokenEstimator.Default.EXACT_CHARS);
            int from = random.nextInt(corpus.length() - len);
            String text = corpus.substring(from, from + len);
            assertThat(estimator.estimate(OPENAI, text)).as("slice at %d of %d chars", from, len)
                    .isEqualTo(EXACT.countTokensOrdinary(text));
            // counted again from the cache: the same figure
            assertThat(estimator.estimate(OPENAI, text)).isEqualTo(EXACT.countTokensOrdinary(text));
        }
    }

    @Test
    void piecesAreCutOnlyWhereNoTokenSpans() {
        TokenEstimator.Default estimator = new TokenEstimator.Default(1.0, 0);
        String line = "word ".repeat(110) + "\n";
        // Line breaks followed by a slash, spaces, another break or punctuation runs: the hard cases.
        String[] tails = {"/path/to", "   indented", "\n\nnext", "...\n/x", "\r\nwindows", "\u00a0nbsp", "😀 emoji"};
        for (String tail : tails) {
            String text = (line + tail + "\n").repeat(8);
            assertThat(estimator.estimate(OPENAI, text)).as(tail).isEqualTo(EXACT.countTokensOrdinary(text));
        }
    }

    @Test
    void longTextsAreEstimatedFromSamplesWithinAFewPerCent() throws IOException {
        String corpus = corpus();
        Random random = new Random(11);
        TokenEstimator.Default estimator = new TokenEstimator.Default(1.0, 0);
        double sum = 0;
        int n = 12;
        for (int i = 0; i < n; i++) {
            int len = 40_000 + random.nextInt(100_000);
            int from = random.nextInt(corpus.length() - len);
            String text = corpus.substring(from, from + len);
            assertThat(estimator.estimate(OPENAI, text)).isEqualTo(EXACT.countTokensOrdinary(text)); // always exact
            double ratio = (double) estimator.estimatePrompt(OPENAI, text) / EXACT.countTokensOrdinary(text);
            assertThat(ratio).as("slice at %d of %d chars", from, len).isBetween(0.9, 1.3);
            sum += ratio;
        }
        assertThat(sum / n).as("mean ratio").isBetween(1.02, 1.2); // above the exact count on average
    }

    @Test
    void nonOpenAiModelsKeepTheirFactorAndOverhead() {
        TokenEstimator.Default estimator = new TokenEstimator.Default(1.3, 16);
        String text = "Compare optimistic and pessimistic locking for a ledger service.\n".repeat(40);
        long base = EXACT.countTokensOrdinary(text);
        assertThat(estimator.estimate(OPENAI, text)).isEqualTo(base + 16);
        assertThat(estimator.estimate(ModelRef.parse("anthropic:claude"), text)).isEqualTo((long) Math.ceil(base * 1.3) + 16);
        assertThat(estimator.estimate(OPENAI, "")).isEqualTo(16);
        assertThat(estimator.estimate(OPENAI, null)).isEqualTo(16);
    }

    @Test
    void shortPromptsAreCountedExactlyForThePlan() {
        TokenEstimator.Default estimator = new TokenEstimator.Default(1.0, 0);
        String text = "alpha beta gamma\n".repeat(1900); // 32,300 chars: under the sampling threshold
        assertThat(text.length()).isLessThanOrEqualTo(TokenEstimator.Default.EXACT_CHARS);
        assertThat(estimator.estimatePrompt(OPENAI, text)).isEqualTo(EXACT.countTokensOrdinary(text));
        TokenEstimator custom = (model, t) -> 42;
        assertThat(custom.estimatePrompt(OPENAI, text)).isEqualTo(42); // other estimators: estimate()
    }
}
