package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.judge.AgreementRule;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.structured.DisputedLeaf;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox's answers read plausibly for the shipped example and the documented prompts: the ticket's tone,
 * products and quantities are read from the message (not runs of its words), readers disagree only where people
 * do (priority, tone of a polite complaint), a schema stated in the prompt's words is answered as JSON without
 * any label, and questions that ask for just the answer get the same short answer from every persona so a
 * cascade's cheap answers can agree.
 */
class SandboxPlausibleAnswersTest {

    static final List<String> PANEL = List.of(Sandbox.SWIFT, Sandbox.SCHOLAR, Sandbox.CONTRARIAN, Sandbox.TERSE);
    static String schemaText;
    static StructuredSchema schema;
    static String message;

    @BeforeAll
    static void load() throws Exception {
        schemaText = Files.readString(Path.of("../examples/ticket-schema.json"));
        schema = StructuredSchema.parse(schemaText);
        message = Files.readString(Path.of("../examples/ticket-message.txt"));
    }

    private static List<JsonNode> panelAnswers(String prompt) {
        List<JsonNode> out = new ArrayList<>();
        for (String p : PANEL) {
            out.add(schema.readAnswer(Sandbox.structuredAnswer(p, schemaText, prompt)));
        }
        return out;
    }

    @Test
    void theShippedTicketIsReadAsAnAngryLateDeliveryOfTwoNamedProducts() {
        for (JsonNode a : panelAnswers(message)) {
            assertThat(a.get("customer").asText()).isEqualTo("Ada Lovelace");
            assertThat(a.get("order_id").asText()).isEqualTo("A-10442");
            assertThat(a.get("category").asText()).isEqualTo("delivery");
            assertThat(a.get("sentiment").asText()).as("an angry message is never positive").isNotEqualTo("positive");
            assertThat(a.get("refund_requested").asBoolean()).isTrue();
            assertThat(a.get("items")).hasSize(2);
            assertThat(a.get("items").get(0).get("sku").asText()).isEqualTo("KB-201");
            assertThat(a.get("items").get(0).get("quantity").asInt()).isEqualTo(1);
            assertThat(a.get("items").get(1).get("sku").asText()).isEqualTo("MS-7");
            assertThat(a.get("items").get(1).get("quantity").asInt()).as("\"two mice MS-7\"").isEqualTo(2);
            assertThat(a.get("priority").asInt()).isBetween(3, 5);
            assertThat(a.get("summary").asText()).doesNotContain("[sandbox]").endsWith(".");
            // keywords are words: "love" is not read into "Lovelace"
            assertThat(a.get("tags").toString()).contains("late delivery").doesNotContain("praise");
        }
    }

    @Test
    void aVoteOverTheDefaultPanelHasANegativeMajorityAndDisputesOnlyThePriority() {
        StructuredVote vote = StructuredVote.tally(schema, panelAnswers(message));
        assertThat(vote.merged().get("sentiment").asText()).isEqualTo("negative");
        assertThat(vote.agreement().get("/sentiment")).as("the contrarian hears a polite complaint as neutral").isEqualTo(0.75);
        assertThat(vote.agreement().get("/items/1/sku")).isEqualTo(1.0);
        assertThat(vote.agreement().get("/category")).isEqualTo(1.0);
        assertThat(vote.disputed()).extracting(DisputedLeaf::pointer).containsExactly("/priority");
        // the three cheap members of the example program (swift, terse, contrarian) settle everything: no judge
        List<JsonNode> cheap = List.of(schema.readAnswer(Sandbox.structuredAnswer(Sandbox.SWIFT, schemaText, message)),
                schema.readAnswer(Sandbox.structuredAnswer(Sandbox.TERSE, schemaText, message)),
                schema.readAnswer(Sandbox.structuredAnswer(Sandbox.CONTRARIAN, schemaText, message)));
        assertThat(StructuredVote.tally(schema, cheap).needsJudge()).isFalse();
    }

    @Test
    void aStatedPriorityIsReadAsWrittenByEveryone() {
        String prompt = "Customer: Alan Turing. My account is locked since Monday and I cannot log in. Priority 5, urgent!";
        for (JsonNode a : panelAnswers(prompt)) {
            assertThat(a.get("priority").asInt()).isEqualTo(5);
            assertThat(a.get("category").asText()).isEqualTo("account");
            assertThat(a.get("items")).as("no product codes named").isEmpty();
            assertThat(a.get("refund_requested").asBoolean()).isFalse();
        }
        JsonNode happy = panelAnswers("Hi, I'm Linus. Thanks a lot, the new monitor MN-27 works great!").get(0);
        assertThat(happy.get("sentiment").asText()).isEqualTo("positive");
        assertThat(happy.get("customer").asText()).isEqualTo("Linus");
    }

    /** What Spring AI's ChatClient appends to the user message for {@code .entity(Type.class)}. */
    static String springAiFormatInstructions(String schemaJson) {
        return "\nYour response should be in JSON format.\nDo not include any explanations, only provide a RFC8259"
                + " compliant JSON response following this format without deviation.\nDo not include markdown code"
                + " blocks in your response.\nRemove the ```json markdown from the output.\nHere is the JSON Schema"
                + " instance your output must adhere to:\n```" + schemaJson + "```\n";
    }

    @Test
    void aSchemaStatedInTheUsersWordsIsAnsweredAsPlainJsonOnTheWireWithTheLabelInAHeader() throws Exception {
        String user = message + springAiFormatInstructions(schemaText);
        try (WireServer server = Sandbox.start(0, 0.0)) {
            String url = server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
            for (String persona : PANEL) {
                HttpResponse<String> r = Http.send(url, Http.openAi(persona, null, user, false, false, null));
                String text = Http.json(r.body()).path("choices").get(0).path("message").path("content").asText();
                JsonNode json = schema.readAnswer(text);   // throws unless the whole content is schema-valid JSON
                assertThat(text).startsWith("{").doesNotContain("[sandbox]");
                assertThat(json.get("customer").asText()).isEqualTo("Ada Lovelace");
                assertThat(r.headers().firstValue(Sandbox.HEADER).orElseThrow()).contains(persona, "not a real model");
            }
            // the judge, whose question carries the same instructions, answers JSON too (ChatClient parses the judge's text)
            List<String> answers = new ArrayList<>();
            for (String persona : PANEL) {
                answers.add(Sandbox.answer(persona, user));
            }
            String judgeUser = JudgePrompt.synthesize().render(user, answers);
            HttpResponse<String> r = Http.send(url, Http.openAi(Sandbox.JUDGE, JudgePrompt.synthesize().system(), judgeUser,
                    false, false, null));
            String merged = Http.json(r.body()).path("choices").get(0).path("message").path("content").asText();
            assertThat(schema.readAnswer(merged).get("items").get(1).get("sku").asText()).isEqualTo("MS-7");
            assertThat(merged).doesNotContain("[sandbox]");
        }
    }

    @Test
    void questionsThatAskForJustTheAnswerGetOneShortAnswerSoACascadeAgrees() {
        AgreementRule exact = AgreementRule.normalizedExactMatch();
        String shortQuestion = "What is the capital of France? Answer with the city name.";
        List<String> answers = PANEL.stream().map(p -> Sandbox.answer(p, shortQuestion)).toList();
        assertThat(answers).allSatisfy(a -> assertThat(a).startsWith("Paris"));
        assertThat(exact.largestAgreeingGroup(shortQuestion, answers).block()).hasSize(4);

        String open = "What is the CAP theorem?";
        List<String> prose = PANEL.stream().map(p -> Sandbox.answer(p, open)).toList();
        assertThat(exact.largestAgreeingGroup(open, prose).block()).as("prose answers differ: judged").hasSizeLessThan(2);
    }
}
