package dev.fusion.springai;

import dev.fusion.Fusion;
import dev.fusion.internal.ConsultTool;
import org.springframework.ai.chat.model.ToolContext;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

import java.util.Objects;

/**
 * A {@link Fusion} as a Spring AI {@link ToolCallback} of an outer model: "consult a panel of models on a
 * hard question". The application's own model decides when a question is worth a fusion; the callback
 * asks the fusion and returns its fused answer (or a text starting with {@code Error: } when the ask
 * failed, so the model can go on).
 *
 * <pre>{@code
 * String answer = ChatClient.create(cheapModel).prompt()
 *         .user("Is this contract clause enforceable? ...")
 *         .toolCallbacks(FusionTool.of(fusion))
 *         .call().content();
 * }</pre>
 *
 * <p>Depth guard: a fusion reached through this tool never calls itself again (when it is already being
 * asked through a fusion tool further up the current task, the call returns an error text). The ask's
 * calls land in the fusion's own spend ledger, cap and listeners (metrics), like any other ask of it.
 *
 * <p>Immutable and thread-safe; {@link #call} blocks for the whole ask, so do not call it on a Reactor
 * non-blocking thread.
 */
public final class FusionTool implements ToolCallback {

    /** The tool's name as the outer model sees it. */
    public static final String NAME = ConsultTool.NAME;

    private final Fusion fusion;
    private final ToolDefinition definition = ToolDefinition.builder().name(NAME)
            .description(ConsultTool.DESCRIPTION).inputSchema(ConsultTool.PARAMETERS).build();

    private FusionTool(Fusion fusion) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
    }

    /** The tool for {@code fusion}. */
    public static FusionTool of(Fusion fusion) {
        return new FusionTool(fusion);
    }

    /** Name {@value #NAME}, one required string argument {@code question}. */
    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    /** Asks the fusion the call's {@code question}: the fused answer, or a text starting with {@code Error: }. */
    @Override
    public String call(String toolInput) {
        return ConsultTool.call(fusion, toolInput);
    }

    @Override
    public String call(String toolInput, ToolContext toolContext) {
        return call(toolInput);
    }

    @Override
    public String toString() {
        return "FusionTool[" + NAME + "]";
    }
}
