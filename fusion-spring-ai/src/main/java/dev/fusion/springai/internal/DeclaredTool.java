package dev.fusion.springai.internal;

import dev.fusion.model.ToolSpec;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A caller's tool declared to a Spring AI model used as a panel member: the model sees its name, description
 * and input schema and may propose calls, but the tool never runs here (the fusion decides the step and the
 * caller runs the decided calls), so {@link #call} refuses. Immutable, thread-safe.
 */
public final class DeclaredTool implements ToolCallback {

    private final ToolDefinition definition;

    public DeclaredTool(ToolSpec spec) {
        this.definition = ToolDefinition.builder().name(spec.name()).description(spec.description() == null ? "" : spec.description())
                .inputSchema(spec.parametersObject().toString()).build();
    }

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    @Override
    public String call(String toolInput) {
        throw new UnsupportedOperationException("'" + definition.name() + "' is a tool of the fusion's caller: a panel"
                + " member proposes calls, the fusion decides them and the caller runs them");
    }

    @Override
    public String toString() {
        return "DeclaredTool[" + definition.name() + "]";
    }
}
