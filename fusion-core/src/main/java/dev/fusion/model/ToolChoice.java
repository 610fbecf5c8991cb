package dev.fusion.model;

import dev.fusion.InvalidConfigurationException;

import java.util.Objects;

/**
 * Whether and which tool a model must call. Immutable and thread-safe.
 *
 * <table>
 *   <caption>On the wire</caption>
 *   <tr><th>choice</th><th>OpenAI {@code tool_choice}</th><th>Anthropic {@code tool_choice.type}</th>
 *       <th>Gemini {@code functionCallingConfig.mode}</th></tr>
 *   <tr><td>{@link #auto()}</td><td>{@code "auto"}</td><td>{@code auto}</td><td>{@code AUTO}</td></tr>
 *   <tr><td>{@link #required()}</td><td>{@code "required"}</td><td>{@code any}</td><td>{@code ANY}</td></tr>
 *   <tr><td>{@link #none()}</td><td>{@code "none"}</td><td>{@code none}</td><td>{@code NONE}</td></tr>
 *   <tr><td>{@link #named(String)}</td><td>{@code {"type":"function","function":{"name":…}}}</td>
 *       <td>{@code tool} + {@code name}</td><td>{@code ANY} + {@code allowedFunctionNames}</td></tr>
 * </table>
 *
 * @param mode     the kind of choice
 * @param toolName the tool that must be called ({@link Mode#NAMED}), null otherwise
 */
public record ToolChoice(Mode mode, String toolName) {

    /** The kinds of choice. */
    public enum Mode {
        /** The model decides: answer, or call one or more tools. */
        AUTO,
        /** The model must call at least one tool. */
        REQUIRED,
        /** The model must not call a tool (the tools are still described to it). */
        NONE,
        /** The model must call {@link #toolName()}. */
        NAMED
    }

    private static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    private static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);
    private static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if (mode == Mode.NAMED) {
            if (toolName == null || !ToolSpec.NAME.matcher(toolName).matches()) {
                throw new InvalidConfigurationException("a named tool choice needs a valid tool name, was '" + toolName + "'");
            }
        } else if (toolName != null) {
            throw new InvalidConfigurationException("only a named tool choice takes a tool name");
        }
    }

    /** The model decides whether to call tools (the default when tools are offered). */
    public static ToolChoice auto() {
        return AUTO;
    }

    /** The model must call at least one tool. */
    public static ToolChoice required() {
        return REQUIRED;
    }

    /** The model must not call tools. */
    public static ToolChoice none() {
        return NONE;
    }

    /** The model must call the tool of this name (one of the offered tools). */
    public static ToolChoice named(String toolName) {
        return new ToolChoice(Mode.NAMED, toolName);
    }

    @Override
    public String toString() {
        return mode == Mode.NAMED ? "ToolChoice[" + toolName + "]" : "ToolChoice[" + mode.name().toLowerCase(java.util.Locale.ROOT) + "]";
    }
}
