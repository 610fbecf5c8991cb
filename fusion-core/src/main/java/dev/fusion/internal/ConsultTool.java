package dev.fusion.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fusion.Fusion;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;

/**
 * A fusion offered to an outer model as a tool ("consult a panel of models on a hard question"): its name,
 * description and argument schema, and the call itself, shared by the LangChain4j and Spring AI adapters.
 * A fusion reached through the tool never calls itself again ({@link ToolDepth}). Not API; thread-safe.
 */
public final class ConsultTool {

    /** The tool's name as the outer model sees it. */
    public static final String NAME = "consult_panel";
    /** What the outer model reads to decide when the tool is worth calling. */
    public static final String DESCRIPTION = "Consult a panel of models on a hard question: several models answer it"
            + " independently and a judge merges their answers into one. Slower and costlier than answering"
            + " yourself: use it for questions that are hard, high-stakes or disputed. Pass the whole question with"
            + " the context needed to answer it.";
    /** The argument schema: one required string, the question. */
    public static final String PARAMETERS = "{\"type\":\"object\",\"properties\":{\"question\":{\"type\":\"string\","
            + "\"description\":\"The question, with everything needed to answer it\"}},\"required\":[\"question\"],"
            + "\"additionalProperties\":false}";
    /** The longest question accepted, in characters. */
    public static final int MAX_QUESTION_CHARS = 100_000;

    /** Arguments come from a model: read with the bounded reader (depth, string and number limits). */
    private static final ObjectMapper JSON = ObjectMappers.BOUNDED;

    private ConsultTool() {
    }

    /** What a call with these arguments (JSON text) returns to the outer model: the fused answer, or {@code Error: ...}. */
    public static String call(Fusion fusion, String argumentsJson) {
        String question;
        try {
            JsonNode args = JSON.readTree(argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson);
            question = args.path("question").isTextual() ? args.path("question").asText() : null;
        } catch (Exception e) {
            return "Error: the arguments are not a JSON object with a \"question\"";
        }
        if (question == null || question.isBlank()) {
            return "Error: no question given; pass {\"question\": \"...\"}";
        }
        if (question.length() > MAX_QUESTION_CHARS) {
            return "Error: the question is longer than " + MAX_QUESTION_CHARS + " characters";
        }
        return ask(fusion, question);
    }

    /** Asks {@code fusion}, unless it is already being asked through this tool up the current chain. */
    public static String ask(Fusion fusion, String question) {
        if (ToolDepth.inside(fusion)) {
            return "Error: this panel is already being consulted further up this task; it does not consult itself."
                    + " Answer from what you have.";
        }
        try {
            FusionResult r = ToolDepth.within(fusion, () -> fusion.ask(FusionRequest.of(question)));
            return r.answer();
        } catch (FusionException e) {
            return "Error: the panel could not answer (" + e.getClass().getSimpleName() + "): " + e.getMessage();
        } catch (RuntimeException e) {
            return "Error: the panel could not answer: " + e.getClass().getSimpleName();
        } catch (Exception e) {
            return "Error: the panel could not answer: " + e.getClass().getSimpleName();
        }
    }
}
