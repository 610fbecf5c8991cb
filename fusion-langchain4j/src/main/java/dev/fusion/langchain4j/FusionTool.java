package dev.fusion.langchain4j;

import dev.fusion.Fusion;
import dev.fusion.internal.ConsultTool;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;

import java.util.Objects;

/**
 * A {@link Fusion} as a tool of an outer LangChain4j model: "consult a panel of models on a hard question".
 * The agent's own model decides when a question is worth a fusion; the tool asks the fusion the question and
 * returns its fused answer (or a text starting with {@code Error: } when the ask failed, so the agent's
 * model can go on).
 *
 * <pre>{@code
 * Agent agent = AiServices.builder(Agent.class)
 *         .chatModel(cheapModel)
 *         .tools(FusionTool.of(fusion), new MyTools())      // an object with an @Tool method
 *         .build();
 * // or, with tool specifications and executors:
 * FusionTool panel = FusionTool.of(fusion);
 * AiServices.builder(Agent.class).chatModel(cheapModel)
 *         .tools(Map.of(panel.specification(), (request, memoryId) -> panel.execute(request)));
 * }</pre>
 *
 * <p>Depth guard: a fusion reached through this tool never calls itself again. When the same fusion is
 * already being asked through the tool further up the current task (say, it is one of its own members'
 * research tools), the call returns an error text instead of asking it. The ask's calls land in the
 * fusion's own spend ledger, cap and listeners (metrics), like any other ask of it.
 *
 * <p>Immutable and thread-safe; {@link #execute} blocks for the whole ask, so do not call it on a Reactor
 * non-blocking thread.
 */
public final class FusionTool {

    /** The tool's name as the outer model sees it. */
    public static final String NAME = ConsultTool.NAME;

    private final Fusion fusion;

    private FusionTool(Fusion fusion) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
    }

    /** The tool for {@code fusion}. */
    public static FusionTool of(Fusion fusion) {
        return new FusionTool(fusion);
    }

    /** The tool as LangChain4j describes it: name {@value #NAME}, one required string argument {@code question}. */
    public ToolSpecification specification() {
        return ToolSpecification.builder().name(NAME).description(ConsultTool.DESCRIPTION)
                .parameters(JsonObjectSchema.builder()
                        .addStringProperty("question", "The question, with everything needed to answer it")
                        .required("question").additionalProperties(false).build())
                .build();
    }

    /** Runs a call of the tool: the fused answer, or a text starting with {@code Error: }. */
    public String execute(ToolExecutionRequest request) {
        Objects.requireNonNull(request, "request");
        return ConsultTool.call(fusion, request.arguments());
    }

    /**
     * The tool as an {@code @Tool} method, so the object itself can be given to {@code AiServices.tools(...)}.
     *
     * @param question the question, with everything needed to answer it
     * @return the fused answer, or a text starting with {@code Error: }
     */
    @Tool(name = NAME, value = ConsultTool.DESCRIPTION)
    public String consultPanel(@P(name = "question", value = "The question, with everything needed to answer it") String question) {
        if (question == null || question.isBlank()) {
            return "Error: no question given";
        }
        if (question.length() > ConsultTool.MAX_QUESTION_CHARS) {
            return "Error: the question is longer than " + ConsultTool.MAX_QUESTION_CHARS + " characters";
        }
        return ConsultTool.ask(fusion, question);
    }

    @Override
    public String toString() {
        return "FusionTool[" + NAME + "]";
    }
}
