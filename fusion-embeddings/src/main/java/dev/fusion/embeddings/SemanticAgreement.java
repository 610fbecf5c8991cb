package dev.fusion.embeddings;

import dev.fusion.judge.AgreementRule;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A cascade {@link AgreementRule} by meaning rather than wording: the answers are embedded by a local
 * sentence-embedding model (all-MiniLM-L6-v2, quantized, run in-process by ONNX Runtime; no network,
 * no per-call cost) and two answers agree when the cosine similarity of their embeddings is at least
 * the {@linkplain #threshold() threshold} and, with {@linkplain #guarded() guards} on (the default),
 * they state the same numbers and the same polarity (see below). The group returned is the largest
 * set of answers that all agree pairwise (a clique, not merely answers close to one centre); its
 * first index is the member closest to the others, whose text the cascade returns.
 *
 * <p><b>Why guards.</b> Sentence embeddings encode topic and wording, not truth: with this model
 * "Yes, it is safe to use." / "No, it is not safe to use." score 0.97 and "Water boils at 100 degrees
 * Celsius" / "... at 90 degrees Celsius" 0.96, above any useful threshold. Skipping the judge on such
 * a pair would return a wrong answer silently, so by default two answers also need the same set of
 * numbers (after {@link AgreementRule#normalize normalization}, so {@code 1,000} equals
 * {@code 1000.0}), the same presence of a negation ({@code no, not, never, none, nothing, nobody,
 * neither, nor, cannot, n't}), and no opposed verdict words ({@code yes}/{@code no},
 * {@code true}/{@code false}, {@code correct}/{@code incorrect}). The guards are cheap lexical
 * heuristics that err towards "disagree", which only costs a judge call.
 *
 * <p><b>Threads and cost.</b> Embedding runs on {@link Schedulers#boundedElastic()}, never on the
 * subscribing thread. The default model is loaded once per JVM, lazily, on first use (measured on a
 * shared 2-core machine: 0.8 to 3.4 s, about 170 MB more resident memory); call {@link #warmUp()} at
 * start-up so that the first ask's deadline does not pay for it (a rule that misses the deadline
 * only means the judge runs). After that a short answer embeds in 5 to 30 ms on one core.
 * Instances are immutable and thread-safe; the model is shared by all of them.
 *
 * <p>Answers that are blank never agree. The model was trained on sentences and short paragraphs
 * (inputs beyond 256 word pieces are split and averaged): for long prose the similarity says
 * "same topic" more than "same answer", so prefer the judge there.
 */
public final class SemanticAgreement implements AgreementRule {

    /**
     * The default cosine threshold, 0.90. Measured with this model: paraphrases of the same answer
     * scored 0.92 to 0.99 ("Paris is the capital of France." / "The capital of France is Paris." 0.985;
     * "Shakespeare wrote Hamlet." / "Hamlet was written by William Shakespeare." 0.925), while
     * different answers that the guards do not catch scored up to 0.83 ("... returns null when the
     * list is empty" / "... throws an exception when the list is empty"). 0.90 keeps a margin on
     * the side that matters: a missed agreement costs a judge call, a false one returns a wrong answer.
     */
    public static final double DEFAULT_THRESHOLD = 0.90;

    private static final String DEFAULT_MODEL_NAME = "all-minilm-l6-v2-q";

    private final Supplier<EmbeddingModel> model;
    private final String modelName;
    private final double threshold;
    private final boolean guarded;

    private SemanticAgreement(Supplier<EmbeddingModel> model, String modelName, double threshold, boolean guarded) {
        if (!(threshold > 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in (0, 1], was " + threshold);
        }
        this.model = Objects.requireNonNull(model, "model");
        this.modelName = Objects.requireNonNull(modelName, "modelName");
        this.threshold = threshold;
        this.guarded = guarded;
    }

    /** The bundled all-MiniLM-L6-v2 (quantized) model, threshold {@value #DEFAULT_THRESHOLD}, guards on. */
    public static SemanticAgreement create() {
        return new SemanticAgreement(DefaultModel::get, DEFAULT_MODEL_NAME, DEFAULT_THRESHOLD, true);
    }

    /**
     * Another LangChain4j embedding model (for example a larger local ONNX model). It is called from
     * {@code boundedElastic} threads, concurrently, and must be thread-safe.
     */
    public static SemanticAgreement using(EmbeddingModel model, String name) {
        Objects.requireNonNull(model, "model");
        return new SemanticAgreement(() -> model, name, DEFAULT_THRESHOLD, true);
    }

    /** The same rule with another cosine threshold, in (0, 1]. */
    public SemanticAgreement withThreshold(double threshold) {
        return new SemanticAgreement(model, modelName, threshold, guarded);
    }

    /** The same rule with the number/negation/verdict guards on or off (see the class comment). */
    public SemanticAgreement withGuards(boolean on) {
        return new SemanticAgreement(model, modelName, threshold, on);
    }

    public double threshold() {
        return threshold;
    }

    public boolean guarded() {
        return guarded;
    }

    /** Loads the model now (on {@code boundedElastic}) so that the first ask does not wait for it. */
    public Mono<Void> warmUp() {
        return Mono.fromCallable(() -> guardLinkage(() -> loadModel().embed("warm-up")))
                .subscribeOn(Schedulers.boundedElastic()).then();
    }

    /** The cosine similarity of two texts' embeddings (no guards), for calibrating a threshold. */
    public Mono<Double> similarity(String a, String b) {
        return Mono.fromCallable(() -> guardLinkage(() -> {
            float[][] v = embed(List.of(a, b));
            return cosine(v[0], v[1]);
        })).subscribeOn(Schedulers.boundedElastic());
    }

    /** Whether two answers agree under this rule: similarity at or above the threshold, and the guards. */
    public Mono<Boolean> agree(String a, String b) {
        return largestAgreeingGroup("", List.of(a, b)).map(g -> g.size() == 2);
    }

    @Override
    public Mono<List<Integer>> largestAgreeingGroup(String question, List<String> answers) {
        Objects.requireNonNull(answers, "answers");
        List<String> copy = new ArrayList<>(answers); // the caller's list may change after we return
        return Mono.fromCallable(() -> guardLinkage(() -> group(copy))).subscribeOn(Schedulers.boundedElastic());
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "semantic(%s, threshold=%.2f, guards=%s)", modelName, threshold,
                guarded ? "on" : "off");
    }

    @Override
    public String toString() {
        return "AgreementRule[" + name() + "]";
    }

    private List<Integer> group(List<String> answers) {
        int n = answers.size();
        List<Integer> usable = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String a = answers.get(i);
            if (a != null && !a.isBlank()) {
                usable.add(i);
                texts.add(a);
            }
        }
        if (usable.size() < 2) {
            return List.of();
        }
        float[][] vectors = embed(texts);
        int m = usable.size();
        double[][] sim = new double[m][m];
        boolean[][] agree = new boolean[m][m];
        AnswerFacts[] facts = new AnswerFacts[m];
        for (int i = 0; i < m; i++) {
            facts[i] = AnswerFacts.of(texts.get(i));
        }
        for (int i = 0; i < m; i++) {
            sim[i][i] = 1;
            for (int j = i + 1; j < m; j++) {
                double s = cosine(vectors[i], vectors[j]);
                sim[i][j] = sim[j][i] = s;
                boolean ok = s >= threshold && (!guarded || facts[i].compatibleWith(facts[j]));
                agree[i][j] = agree[j][i] = ok;
            }
        }
        List<Integer> best = Cliques.largest(agree, sim);
        if (best.size() < 2) {
            return List.of();
        }
        List<Integer> out = new ArrayList<>(best.size());
        for (int local : best) {
            out.add(usable.get(local));
        }
        return List.copyOf(out);
    }

    private float[][] embed(List<String> texts) {
        EmbeddingModel em = loadModel();
        List<TextSegment> segments = texts.stream().map(TextSegment::from).toList();
        List<Embedding> embeddings = em.embedAll(segments).content();
        if (embeddings == null || embeddings.size() != texts.size()) {
            throw new IllegalStateException("embedding model " + modelName + " returned "
                    + (embeddings == null ? "nothing" : embeddings.size() + " embeddings") + " for " + texts.size() + " texts");
        }
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = embeddings.get(i).vector();
        }
        return out;
    }

    private EmbeddingModel loadModel() {
        return Objects.requireNonNull(model.get(), "the embedding model supplier returned null");
    }

    /**
     * A class-initialization or native-library failure (ExceptionInInitializerError, NoClassDefFoundError,
     * UnsatisfiedLinkError) is a LinkageError, which Reactor treats as fatal: it would be thrown past the
     * Mono, which would then never complete, and the ask would wait for its deadline. Turn it into an
     * ordinary error so that the cascade notes it and calls the judge at once.
     */
    private <T> T guardLinkage(Supplier<T> work) {
        try {
            return work.get();
        } catch (LinkageError e) {
            throw new IllegalStateException("the embedding model " + modelName + " could not be loaded or run: " + e, e);
        }
    }

    static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("embedding sizes differ: " + a.length + " and " + b.length);
        }
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        if (na == 0 || nb == 0) {
            return 0;
        }
        return dot / (Math.sqrt(na) * Math.sqrt(nb));
    }

    /** The bundled model, created on first use, once per JVM (initialization-on-demand holder). */
    private static final class DefaultModel {
        // The model's own class loads the ONNX session in its static initializer. The direct executor keeps
        // embedAll on the calling boundedElastic thread instead of a private, unbounded thread pool.
        private static final EmbeddingModel INSTANCE =
                new dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel(Runnable::run);

        static EmbeddingModel get() {
            return INSTANCE;
        }
    }
}
