package dev.fusion.judge;

import reactor.core.publisher.Mono;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiPredicate;

/**
 * Decides whether the cheap answers of a {@link Strategy#cascade() cascade} agree well enough to
 * skip the judge. The built-in rule is {@link #normalizedExactMatch()}; another module can plug in
 * a semantic rule (for example embedding similarity, which needs its own model calls: that is why
 * the result is asynchronous).
 *
 * <p>Implementations must be thread-safe (one rule serves every ask of a {@code Fusion}) and must not
 * block the subscribing thread. A rule that errors or does not finish before the ask's deadline is
 * treated as "no agreement" (the judge runs), and the cause is noted in the result.
 */
public interface AgreementRule {

    /**
     * The largest group of answers that agree with one another, as indexes into {@code answers};
     * element 0 is the group's representative, whose text becomes the final answer when the cascade
     * stops. An empty list or a single index means no two answers agree.
     *
     * @param question the question as the panel saw it (the last user message)
     * @param answers  the successful cheap answers, in panel order
     */
    Mono<List<Integer>> largestAgreeingGroup(String question, List<String> answers);

    /** A short name for notes and logs. */
    default String name() {
        return getClass().getSimpleName();
    }

    /**
     * Exact match after {@link #normalize normalization}, for short answers: answers whose
     * normalized form is longer than 200 characters never agree (prose needs a semantic rule).
     */
    static AgreementRule normalizedExactMatch() {
        return normalizedExactMatch(200);
    }

    /** Exact match after normalization; answers longer than {@code maxChars} once normalized never agree. */
    static AgreementRule normalizedExactMatch(int maxChars) {
        if (maxChars <= 0) {
            throw new IllegalArgumentException("maxChars must be positive, was " + maxChars);
        }
        return pairwise("normalized-exact-match(maxChars=" + maxChars + ")", (a, b) -> {
            String na = normalize(a);
            return !na.isEmpty() && na.length() <= maxChars && na.equals(normalize(b));
        });
    }

    /**
     * A rule from a pairwise test: for each answer in turn, its group is itself plus every later or
     * earlier answer the test says agrees with it; the largest group wins (ties: the earliest
     * representative). The test need not be transitive.
     */
    static AgreementRule pairwise(String name, BiPredicate<String, String> agree) {
        Objects.requireNonNull(agree, "agree");
        Objects.requireNonNull(name, "name");
        return new AgreementRule() {
            @Override
            public Mono<List<Integer>> largestAgreeingGroup(String question, List<String> answers) {
                return Mono.fromCallable(() -> {
                    List<Integer> best = List.of();
                    for (int i = 0; i < answers.size(); i++) {
                        List<Integer> group = new ArrayList<>();
                        group.add(i);
                        for (int j = 0; j < answers.size(); j++) {
                            if (j != i && agree.test(answers.get(i), answers.get(j))) {
                                group.add(j);
                            }
                        }
                        if (group.size() > best.size()) {
                            best = group;
                        }
                    }
                    return List.copyOf(best);
                });
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public String toString() {
                return "AgreementRule[" + name + "]";
            }
        };
    }

    /**
     * The normal form used by {@link #normalizedExactMatch()}: Unicode NFKC, lower case, every run of
     * whitespace and punctuation (including a trailing period) dropped to a single space, and
     * numbers written canonically ({@code 1,000.50} → {@code 1000.5}, {@code 42.0} → {@code 42},
     * {@code +7} → {@code 7}). So {@code "Paris."}, {@code " paris "} and {@code "PARIS"} agree,
     * as do {@code "1,000"} and {@code "1000.00"}.
     */
    static String normalize(String answer) {
        if (answer == null) {
            return "";
        }
        return TextNormalizer.normalize(answer);
    }

    /**
     * Makes agreement rules by name, found with {@link java.util.ServiceLoader}, so a config file can
     * name a rule that lives in another module ({@code rule: semantic} from {@code fusion-embeddings})
     * without fusion-core depending on it. Implementations must be thread-safe.
     */
    interface Factory {
        /** The name a config file uses, e.g. {@code semantic}. */
        String name();

        /** A rule, configured from the cascade's options (unknown options may be ignored). */
        AgreementRule create(java.util.Map<String, ?> options);
    }

    /**
     * The rule called {@code name}: {@code exact} (normalized exact match, the default) or one
     * provided by a {@link Factory} on the class path.
     *
     * @throws dev.fusion.InvalidConfigurationException when no rule has that name (the message lists the names found)
     */
    static AgreementRule byName(String name, java.util.Map<String, ?> options, int exactMaxChars) {
        String n = name == null ? "exact" : name.trim().toLowerCase(java.util.Locale.ROOT);
        if (n.equals("exact")) {
            return normalizedExactMatch(exactMaxChars);
        }
        java.util.List<String> found = new java.util.ArrayList<>(java.util.List.of("exact"));
        for (Factory f : java.util.ServiceLoader.load(Factory.class)) {
            if (f.name().equalsIgnoreCase(n)) {
                return f.create(options);
            }
            found.add(f.name());
        }
        throw new dev.fusion.InvalidConfigurationException("no agreement rule named '" + name + "'; available: " + found
                + (n.equals("semantic") ? " (add the fusion-embeddings module to the class path for 'semantic')" : ""));
    }
}
