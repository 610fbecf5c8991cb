package dev.fusion.examples;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each example program runs to completion on the sandbox and prints what it promises. */
@DisabledIfEnvironmentVariable(named = "OPENROUTER_API_KEY", matches = ".+",
        disabledReason = "with a key the examples call real models; this smoke test is for the offline path")
class ExamplesSmokeTest {

    @BeforeAll
    static void fastSandbox() {
        System.setProperty("fusion.sandbox.latencyScale", "0.05");
    }

    @AfterAll
    static void reset() {
        System.clearProperty("fusion.sandbox.latencyScale");
    }

    interface Main {
        void run(String[] args) throws Exception;
    }

    private static String run(Main main, String... args) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            main.run(args);
        } finally {
            System.setOut(original);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void quickStartPrintsTheAnswerEveryCallAndTheTotal() throws Exception {
        String out = run(QuickStart::main, "What is the CAP theorem?");
        assertThat(out).contains("[sandbox]", "consistency", "judge sandbox-openai:sandbox-judge ok", "total $");
    }

    @Test
    void theToolAgentRunsItsToolsAndAnswersWithTheirResults() throws Exception {
        String out = run(ToolAgent::main, "What is 17 * 23?");
        assertThat(out).contains("step 1 (UNANIMOUS): calculator {\"expression\":\"17*23\"} -> 391", "answer: ", "391",
                "spent $");
        assertThat(out.substring(out.indexOf("answer: "))).contains("391");
    }

    @Test
    void panelVsFlagshipShowsBothCostsAndTheirRatio() throws Exception {
        String out = run(PanelVsFlagship::main, "What is DNS?");
        assertThat(out).contains("=== budget panel + cheap judge", "alone (", "fusion cost / flagship cost = ");
    }

    @Test
    void architectAndCodersRunsTwoAsksAndAddsTheirCost() throws Exception {
        String out = run(ArchitectAndCoders::main, "binary search");
        assertThat(out).contains("=== plan ($", "=== implementation ($", "total $");
    }

    @Test
    void streamingAnswerShowsMembersThenTheJudgeText() throws Exception {
        String out = run(StreamingAnswer::main, "What is recursion?");
        assertThat(out).contains("started", "judge sandbox-openai:sandbox-judge:", "judge's first token after");
        assertThat(out.indexOf("started")).isLessThan(out.indexOf("judge sandbox-openai:sandbox-judge:"));
    }

    @Test
    void customProviderRunsAgainstAnOpenAiCompatibleBaseUrl() throws Exception {
        String out = run(CustomProvider::main);
        assertThat(out).contains("OpenAI-compatible endpoint", "mylab:");
    }

    @Test
    void ticketExtractionVotesFieldByFieldIntoTheRecord() throws Exception {
        String out = run(TicketExtraction::main);
        assertThat(out).contains("Ticket[customer=", "orderId=A-10442", "agreement per field", "/sentiment", "judge calls: ",
                "total $");
    }

    /** Every example's default prompt gets real content on the sandbox: no filler, no empty merge. */
    @Test
    void defaultPromptsGetRealSandboxAnswers() throws Exception {
        for (Main m : List.<Main>of(QuickStart::main, PanelVsFlagship::main, ArchitectAndCoders::main,
                StreamingAnswer::main, CustomProvider::main)) {
            String out = run(m);
            assertThat(out).contains("[sandbox]").doesNotContain("no built-in fact", "no answers to merge");
        }
    }

    @Test
    void panelVsFlagshipComparesWithTheSlowExpensivePersonaAndSaysTheFiguresAreFictional() throws Exception {
        String out = run(PanelVsFlagship::main);
        assertThat(out).contains("=== sandbox-anthropic:sandbox-scholar alone (", "split", "fictional models and prices");
        java.util.regex.Matcher ratio = java.util.regex.Pattern.compile("fusion cost / flagship cost = ([0-9.]+)").matcher(out);
        assertThat(ratio.find()).isTrue();
        // The budget panel with a cheap judge costs less than the expensive persona alone.
        assertThat(new java.math.BigDecimal(ratio.group(1))).isLessThan(java.math.BigDecimal.ONE);
    }
}
