package dev.fusion.structured;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RepairPromptTest {

    @Test
    void quotesTheAnswerAndTheErrorsAndAsksForJsonOnly() {
        StructuredSchema schema = StructuredSchema.parse(StructuredSchemaTest.TICKET);
        String answer = "{\"sentiment\":\"meh\",\"priority\":3,\"items\":[]}";
        InvalidAnswerException e = null;
        try {
            schema.readAnswer(answer);
        } catch (InvalidAnswerException x) {
            e = x;
        }
        String prompt = RepairPrompt.of(answer, e);
        assertThat(prompt).contains("does not match the required JSON Schema")
                .contains("- /sentiment: ").contains(answer).contains("only the corrected JSON");
    }

    @Test
    void isBounded() {
        List<String> errors = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            errors.add("/f" + i + ": " + "x".repeat(1000));
        }
        String answer = "y".repeat(100_000);
        String prompt = RepairPrompt.of(answer, new InvalidAnswerException(AnswerProblem.SCHEMA_VIOLATION, errors));
        assertThat(prompt.length()).isLessThan(RepairPrompt.MAX_ANSWER_ECHO + RepairPrompt.MAX_ERRORS
                * (RepairPrompt.MAX_ERROR_CHARS + 4) + 600);
        assertThat(prompt).contains("- /f9: ").doesNotContain("/f10:").contains("and 40 more")
                .contains("first " + RepairPrompt.MAX_ANSWER_ECHO + " characters");
    }

    @Test
    void describesEachProblem() {
        assertThat(RepairPrompt.of("{} x", new InvalidAnswerException(AnswerProblem.TRAILING_CONTENT, List.of("after"))))
                .contains("text after the JSON value").contains("{} x");
        assertThat(RepairPrompt.of("", new InvalidAnswerException(AnswerProblem.EMPTY, List.of("empty"))))
                .contains("it was empty").doesNotContain("Your previous answer:");
    }
}
