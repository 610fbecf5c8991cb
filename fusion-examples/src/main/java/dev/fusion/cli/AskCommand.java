package dev.fusion.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.AskFailedException;
import dev.fusion.BudgetExceededException;
import dev.fusion.FusionEvent;
import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.ResultJson;
import dev.fusion.cli.render.CostTable;
import dev.fusion.cli.render.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/** {@code fusion ask "prompt"}: one fused answer with live progress and a cost table. */
@Command(name = "ask", mixinStandardHelpOptions = true,
        description = {"Ask the panel, merge with the judge, print the answer and what every call cost.",
                "With no keys and no config it runs on the built-in offline sandbox."})
final class AskCommand implements Callable<Integer> {

    @Parameters(arity = "0..*", paramLabel = "PROMPT", description = "The question (several words are joined);"
            + " optional with --continue.")
    String[] prompt = new String[0];

    @Mixin
    CommonOptions common = new CommonOptions();

    @Option(names = "--json", description = "Print one JSON object: answer, wallMs, totalCostUsd, calls, ...")
    boolean json;

    @Option(names = "--stream", description = "Print the judge's text as it arrives, even when not on a terminal"
            + " (not with --schema: the answer is then printed once, as validated pretty JSON).")
    boolean stream;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system prompt for the panel.")
    String system;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Max output tokens per panel answer.")
    Integer maxTokens;

    @Option(names = "--schema", paramLabel = "FILE", description = "A JSON Schema file: the answer is a JSON value valid"
            + " against it, printed as pretty JSON with the agreement per field (use with --strategy vote to vote field by field).")
    java.nio.file.Path schema;

    @Option(names = "--image", paramLabel = "FILE", description = "An image (PNG, JPEG, GIF, WebP) to attach to the prompt;"
            + " repeatable.")
    java.util.List<java.nio.file.Path> images = new java.util.ArrayList<>();

    @Option(names = "--reasoning", paramLabel = "LEVEL", description = "How hard reasoning models think: low, medium, high,"
            + " or a thinking budget in tokens.")
    String reasoning;

    @Option(names = "--tools", paramLabel = "FILE", description = "A JSON file with an OpenAI-style tools array: the"
            + " panel proposes calls and the fusion decides one step (printed with how it was decided).")
    java.nio.file.Path tools;

    @Option(names = "--continue", paramLabel = "FILE", description = "The --json output of the previous tool step:"
            + " continue its conversation with --tool-result values.")
    java.nio.file.Path continueFrom;

    @Option(names = "--tool-result", paramLabel = "ID=RESULT", description = "The result of a decided call (its id,"
            + " then the result, e.g. JSON); one per call; with --continue.")
    java.util.List<String> toolResults = new java.util.ArrayList<>();

    @Override
    public Integer call() {
        FusionCli.Io io = FusionCli.io();
        String text = String.join(" ", prompt).trim();
        java.util.List<dev.fusion.model.ToolSpec> toolSpecs = tools == null ? java.util.List.of() : ToolInputs.tools(tools);
        if (!toolResults.isEmpty() && continueFrom == null) {
            throw new CliException("--tool-result needs --continue FILE: the --json output of the step that decided the calls");
        }
        java.util.List<dev.fusion.model.ChatMessage> continued = continueFrom == null ? null
                : ToolInputs.continuation(continueFrom, toolResults, text);
        if (continued != null && toolSpecs.isEmpty()) {
            throw new CliException("--continue needs the same --tools FILE as the step it continues");
        }
        if (text.isEmpty() && continued == null) {
            throw new CliException("the prompt is blank; pass the question, e.g. fusion ask \"Why is the sky blue?\"");
        }
        // Files and values first: a bad one is a clear error before anything starts.
        String schemaText = schema == null ? null : AskInputs.schema(schema);
        java.util.List<AskInputs.Image> imageParts = images.stream().map(AskInputs::image).toList();
        AskInputs.ReasoningChoice reasoningChoice = reasoning == null ? null : AskInputs.reasoning(reasoning);
        try (Setup setup = Setup.resolve(common, io.env)) {
            // Labels (the sandbox's "[sandbox] ") go to stderr only: stdout carries the answer and its figures,
            // so a JSON answer on stdout is JSON.
            String p = setup.linePrefix();
            if (!json) {
                setup.description.forEach(d -> io.err.println(p + d));
                if (setup.isSandbox()) {
                    io.err.println(p + SandboxDemo.line(common.strategy == null ? "synthesize" : Setup.strategyName(common.strategy)));
                }
            }
            FusionRequest.Builder rb = (continued != null ? FusionRequest.builder().messages(continued)
                    : FusionRequest.builder().prompt(text)).system(system).tools(toolSpecs);
            if (maxTokens != null) {
                rb.maxOutputTokens(maxTokens);
            }
            if (schemaText != null) {
                rb.schema(schemaText);
            }
            imageParts.forEach(i -> rb.image(i.bytes(), i.mediaType()));
            if (reasoningChoice != null) {
                if (reasoningChoice.effort() != null) {
                    rb.reasoning(reasoningChoice.effort());
                } else {
                    rb.reasoningTokens(reasoningChoice.tokens());
                }
            }
            FusionRequest request = rb.build();
            FusionResult result;
            try {
                if (json) {
                    result = setup.fusion.ask(request);
                } else {
                    boolean live = io.terminal;
                    // With a schema the answer is printed once, at the end: the schema-valid JSON, pretty. The
                    // judge's raw reply is not streamed: it may be a reply the repair replaces, and it is the same
                    // object again, unformatted.
                    // progress (the live table on a terminal, plain lines otherwise) on stderr: stdout is the answer's
                    try (Progress progress = new Progress(io.err, io.out, live, stream, p,
                            FusionCli.width(io.env), reactor.core.scheduler.Schedulers.parallel(), schemaText == null)) {
                        result = setup.fusion.ask(request, progress::on);
                        if (!progress.printedAnswer() || !result.judged() || result.json().isPresent() || result.hasToolCalls()) {
                            String shown = result.hasToolCalls() ? toolCallsText(result)
                                    : result.json().map(com.fasterxml.jackson.databind.JsonNode::toPrettyString)
                                    .orElse(result.answer());
                            shown.lines().forEach(io.out::println);
                            io.out.println();
                        }
                    }
                }
            } catch (AskFailedException e) {
                return failed(io, setup, e.getMessage(), e);
            } catch (BudgetExceededException e) {
                return failed(io, setup, e.getMessage(), null);
            } catch (InvalidConfigurationException e) {
                throw e;
            } catch (FusionException e) {
                return failed(io, setup, e.getMessage(), null);
            }
            if (json) {
                ObjectNode o = ResultJson.toTree(result);
                o.put("mode", setup.mode.name().toLowerCase(java.util.Locale.ROOT));
                if (!toolSpecs.isEmpty()) {
                    o.set("conversation", ToolInputs.conversation(request.messages(), result.toolCalls(), result.answer()));
                }
                if (setup.isSandbox()) {
                    o.put("sandbox", true);
                    o.put("notice", "offline sandbox: fictional models and prices; set provider keys or --config for real ones");
                }
                io.out.println(o.toString());
            } else {
                io.out.print(CostTable.render(result, FusionCli.width(io.env)));
                if (!result.agreement().isEmpty()) {
                    io.out.println("Agreement per field (share of valid answers holding the value chosen):");
                    int w = result.agreement().keySet().stream().mapToInt(String::length).max().orElse(0);
                    result.agreement().forEach((pointer, share) -> io.out.println("  " + pointer
                            + " ".repeat(w - pointer.length()) + "  " + Math.round(share * 100) + "%"));
                }
                if (setup.isSandbox()) {
                    io.err.println(p + "the answer and costs above come from the offline sandbox: fictional models and"
                            + " prices, real pipeline and arithmetic");
                }
            }
            return 0;
        }
    }

    /** The decided calls, one line each, and how they were decided. */
    private static String toolCallsText(FusionResult r) {
        StringBuilder sb = new StringBuilder("Tool calls decided (" + r.decidedBy().map(dev.fusion.DecidedBy::wireName)
                .orElse("?") + "):");
        for (dev.fusion.model.ToolCall c : r.toolCalls()) {
            sb.append("\n  ").append(c.name()).append(' ').append(c.argumentsJson()).append("   [id ").append(c.id()).append(']');
        }
        return sb.toString();
    }

    private int failed(FusionCli.Io io, Setup setup, String reason, AskFailedException withCalls) {
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.putNull("answer");
            o.put("error", FusionCli.oneLine(reason));
            o.put("mode", setup.mode.name().toLowerCase(java.util.Locale.ROOT));
            o.set("calls", withCalls == null ? new ObjectMapper().createArrayNode() : ResultJson.calls(withCalls.calls()));
            io.out.println(o.toString());
        } else if (withCalls != null) {
            io.err.print(CostTable.render(withCalls.calls(), FusionCli.width(io.env)));
        }
        io.err.println("fusion: " + setup.linePrefix() + FusionCli.oneLine(CliTerms.translate(reason)));
        return 1;
    }
}
