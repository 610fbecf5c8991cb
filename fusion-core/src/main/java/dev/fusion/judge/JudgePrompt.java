package dev.fusion.judge;

import dev.fusion.InvalidConfigurationException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * The judge's prompt: a fixed system part (instructions, identical for every ask so providers'
 * prompt caches can hit) and a user part rendered from a template with {@code {{question}}},
 * {@code {{answerCount}}} and {@code {{answers}}}. Answers are labelled "Answer 1…n" only, never by
 * model, to avoid self-preference bias. Immutable and thread-safe.
 */
public final class JudgePrompt {

    private static final JudgePrompt SYNTHESIZE = new JudgePrompt(resource("synthesize-system.txt"),
            resource("synthesize-user.txt"));

    private static final JudgePrompt ANALYZE = new JudgePrompt(resource("analyze-system.txt"),
            resource("analyze-user.txt"));
    private static final JudgePrompt WRITE = new JudgePrompt(resource("write-system.txt"),
            resource("write-user.txt"));
    private static final JudgePrompt RANK = new JudgePrompt(resource("rank-system.txt"),
            resource("rank-user.txt"));
    private static final JudgePrompt LAYERED = new JudgePrompt("", resource("layered-user.txt"));
    private static final String STRUCTURED_RETRY = resource("structured-retry.txt");

    private static final java.util.regex.Pattern PLACEHOLDER = java.util.regex.Pattern.compile("\\{\\{(\\w+)}}");

    private final String system;
    private final String userTemplate;

    private JudgePrompt(String system, String userTemplate) {
        this.system = Objects.requireNonNull(system, "system");
        this.userTemplate = Objects.requireNonNull(userTemplate, "userTemplate");
        if (!userTemplate.contains("{{answers}}")) {
            throw new InvalidConfigurationException("a judge user template must contain {{answers}}");
        }
    }

    /** The default synthesis prompt: weigh agreement, resolve contradictions, keep unique correct points, drop errors. */
    public static JudgePrompt synthesize() {
        return SYNTHESIZE;
    }

    /**
     * The {@code analyze} strategy's first call: asks for the JSON analysis (consensus,
     * contradictions, partial coverage, unique insights, blind spots).
     */
    public static JudgePrompt analyze() {
        return ANALYZE;
    }

    /**
     * The {@code analyze} strategy's writing call; its user template also takes {@code {{analysis}}}
     * (the analysis JSON), passed through {@link #render(String, List, java.util.Map)}.
     */
    public static JudgePrompt write() {
        return WRITE;
    }

    /** The {@code select-best} strategy's ranking call: asks for a JSON ranking of every answer. */
    public static JudgePrompt rank() {
        return RANK;
    }

    /**
     * The {@code layered} strategy's prompt for rounds 2..K: the member's own request
     * ({@code {{question}}}, the last user message) followed by the previous round's answers as
     * references. Its system part is empty: members keep the request's own system prompt.
     */
    public static JudgePrompt layeredReferences() {
        return LAYERED;
    }

    /**
     * The follow-up sent when a structured (JSON) reply could not be parsed; {@code error} (a short,
     * plain-ASCII description of the problem) replaces {@code {{error}}}.
     */
    public static String structuredRetry(String error) {
        return STRUCTURED_RETRY.replace("{{error}}", error);
    }

    /** A custom prompt; the user template must contain {@code {{answers}}} and should contain {@code {{question}}}. */
    public static JudgePrompt of(String system, String userTemplate) {
        return new JudgePrompt(system, userTemplate);
    }

    /** Loads a template shipped with Fusion under {@code dev/fusion/judge/}. */
    public static String resource(String name) {
        try (InputStream in = JudgePrompt.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing judge template resource dev/fusion/judge/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String system() {
        return system;
    }

    /** Renders the user part for a question and the answers in the order the judge sees them. */
    public String render(String question, List<String> answers) {
        return render(question, answers, java.util.Map.of());
    }

    /**
     * Renders the user part with extra placeholders ({@code {{analysis}}} for {@link #write()});
     * {@code question}, {@code answerCount} and {@code answers} cannot be overridden. Unknown
     * placeholders are left as they are.
     */
    public String render(String question, List<String> answers, java.util.Map<String, String> extras) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < answers.size(); i++) {
            sb.append("<answer n=\"").append(i + 1).append("\">\nAnswer ").append(i + 1).append(":\n")
                    .append(answers.get(i).strip()).append("\n</answer>\n\n");
        }
        // One pass, so placeholder-like text inside the question or the answers is left alone.
        java.util.Map<String, String> values = new java.util.HashMap<>(extras);
        values.put("question", question);
        values.put("answerCount", Integer.toString(answers.size()));
        values.put("answers", sb.toString().strip());
        java.util.regex.Matcher m = PLACEHOLDER.matcher(userTemplate);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(v != null ? v : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }
}
