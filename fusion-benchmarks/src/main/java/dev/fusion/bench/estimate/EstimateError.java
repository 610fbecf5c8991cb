package dev.fusion.bench.estimate;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.fusion.cost.TokenEstimator;
import dev.fusion.model.ModelRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The default token estimator against jtokkit's exact o200k count on real text (this repository's
 * Markdown and Java sources, or any directories given): (1) texts up to the exact limit, counted in
 * cached pieces, must equal the exact count (the pieces are cut where the tokenizer cuts anyway);
 * (2) longer texts, estimated from samples, report their relative error; (3) the cost of both.
 *
 * <pre>java -cp benchmarks.jar dev.fusion.bench.estimate.EstimateError [root=.] [slices=40]</pre>
 */
public final class EstimateError {

    private EstimateError() {
    }

    public static void main(String[] args) throws IOException {
        String root = ".";
        int slices = 40;
        for (String a : args) {
            if (a.startsWith("root=")) {
                root = a.substring(5);
            } else if (a.startsWith("slices=")) {
                slices = Integer.parseInt(a.substring(7));
            }
        }
        Encoding exact = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
        ModelRef openAi = ModelRef.parse("openai:gpt-4o");
        String md = corpus(Path.of(root), ".md");
        String java = corpus(Path.of(root), ".java");
        System.out.printf("corpora: markdown %,d chars, java %,d chars%n", md.length(), java.length());
        Random random = new Random(42);
        // (1) exactness of the piecewise count below the sampling threshold
        int checked = 0;
        int differ = 0;
        for (String corpus : List.of(md, java)) {
            for (int i = 0; i < slices; i++) {
                int len = 1 + random.nextInt(TokenEstimator.Default.EXACT_CHARS);
                int from = random.nextInt(Math.max(1, corpus.length() - len));
                String t = corpus.substring(from, Math.min(corpus.length(), from + len));
                long want = exact.countTokensOrdinary(t);
                long got = new TokenEstimator.Default(1.0, 0).estimate(openAi, t);
                checked++;
                if (want != got) {
                    differ++;
                    System.out.printf("  piecewise differs: %d chars, exact %d, piecewise %d%n", t.length(), want, got);
                }
            }
        }
        System.out.printf("piecewise (cached) counts equal to exact: %d of %d texts%n", checked - differ, checked);
        // (2) error of the sampled estimate of long texts
        System.out.println("sampled estimate of long texts (estimate / exact - 1):");
        for (String name : List.of("markdown", "java", "mixed")) {
            String corpus = switch (name) {
                case "markdown" -> md;
                case "java" -> java;
                default -> md + java;
            };
            for (int len : new int[] {40_000, 100_000, 400_000}) {
                if (len > corpus.length()) {
                    continue;
                }
                List<Double> errs = new ArrayList<>();
                long exactNs = 0;
                long sampledNs = 0;
                for (int i = 0; i < slices; i++) {
                    int from = random.nextInt(corpus.length() - len + 1);
                    String t = corpus.substring(from, from + len);
                    long t0 = System.nanoTime();
                    long want = exact.countTokensOrdinary(t);
                    long t1 = System.nanoTime();
                    long got = new TokenEstimator.Default(1.0, 0).estimatePrompt(openAi, t);
                    long t2 = System.nanoTime();
                    exactNs += t1 - t0;
                    sampledNs += t2 - t1;
                    errs.add((double) got / want - 1);
                }
                errs.sort(null);
                double mean = errs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                System.out.printf("  %-8s %,8d chars  n=%d  min %+.1f%%  median %+.1f%%  mean %+.1f%%  max %+.1f%%"
                                + "  under-estimates %d  | exact %.2f ms, estimate %.2f ms per text%n",
                        name, len, errs.size(), 100 * errs.get(0), 100 * errs.get(errs.size() / 2), 100 * mean,
                        100 * errs.get(errs.size() - 1), errs.stream().filter(e -> e < 0).count(),
                        exactNs / 1e6 / slices, sampledNs / 1e6 / slices);
            }
        }
    }

    private static String corpus(Path root, String ext) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.filter(f -> f.toString().endsWith(ext) && !f.toString().contains("/target/")
                    && !f.toString().contains("/.git/") && !f.toString().contains("node_modules")).sorted().toList()) {
                sb.append(Files.readString(p)).append("\n\n");
            }
        }
        return sb.toString();
    }
}
