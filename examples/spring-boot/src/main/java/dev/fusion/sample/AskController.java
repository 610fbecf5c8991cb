package dev.fusion.sample;

import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.FusionResult;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.ResultJson;
import dev.fusion.micrometer.ObservedFusion;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import java.util.Map;

/**
 * {@code POST /ask} with {@code {"prompt": "..."}}: the fused answer and its ledger as JSON (the
 * CLI's {@code --json} form). A missing, blank or oversized prompt is a 400 naming the problem; an
 * ask that fails (quorum, budget, judges) is a 502 with Fusion's message.
 */
@RestController
public class AskController {

    /** Prompts longer than this are refused before any model is called. */
    static final int MAX_PROMPT_CHARS = 20_000;

    /** The request body. */
    public record Ask(String prompt) {
    }

    private final ObservedFusion fusion;

    public AskController(ObservedFusion fusion) {
        this.fusion = fusion;
    }

    @PostMapping(path = "/ask", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    public String ask(@RequestBody Ask ask) {
        if (ask == null || ask.prompt() == null || ask.prompt().isBlank()) {
            throw new InvalidConfigurationException("the body needs a non-blank \"prompt\", e.g. {\"prompt\": \"Why is the sky blue?\"}");
        }
        if (ask.prompt().length() > MAX_PROMPT_CHARS) {
            throw new InvalidConfigurationException("the prompt has " + ask.prompt().length() + " characters; at most "
                    + MAX_PROMPT_CHARS + " are accepted");
        }
        FusionResult result = fusion.ask(FusionRequest.of(ask.prompt()));
        return ResultJson.toJson(result);
    }

    @ExceptionHandler(InvalidConfigurationException.class)
    ResponseEntity<Map<String, String>> badRequest(InvalidConfigurationException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", e.getMessage()));
    }

    @ExceptionHandler(FusionException.class)
    ResponseEntity<Map<String, String>> askFailed(FusionException e) {
        return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(Map.of("error", e.getMessage()));
    }
}
