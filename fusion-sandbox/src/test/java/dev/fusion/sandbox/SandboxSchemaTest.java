package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.structured.DisputeRequest;
import dev.fusion.structured.DisputedLeaf;
import dev.fusion.structured.StructuredSchema;
import dev.fusion.structured.StructuredVote;
import dev.fusion.structured.VoteResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sandbox honours schemas on all three wire formats: every persona answers schema-valid JSON derived from
 * the prompt, the same per persona whatever the format, with persona-specific departures so a vote has both
 * majorities and disputes, and the judge answers the disputed-fields request in its sub-schema.
 */
class SandboxSchemaTest {

    static final List<String> PANEL = List.of(Sandbox.SWIFT, Sandbox.SCHOLAR, Sandbox.CONTRARIAN, Sandbox.TERSE);
    static final String MESSAGE = """
            Customer: Ada Lovelace (ada@example.com). Order: A-10442.
            My keyboard KB-201 and two mice MS-7 arrived two weeks late, and the mice were missing from the box.
            This is the second late delivery this month. I want a refund for the mice, please.""";
    static String schemaText;
    static StructuredSchema schema;
    static WireServer server;

    @BeforeAll
    static void start() throws Exception {
        schemaText = Files.readString(Path.of("../examples/ticket-schema.json"));
        schema = StructuredSchema.parse(schemaText);
        server = Sandbox.start(0, 0.0);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String url(WireFormat f, String model) {
        return switch (f) {
            case OPENAI -> server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
            case ANTHROPIC -> server.baseUrl(WireFormat.ANTHROPIC) + "/v1/messages";
            default -> server.baseUrl(WireFormat.GEMINI) + "/v1beta/models/" + model + ":generateContent";
        };
    }

    /** A request body carrying the schema the way each provider's API takes it. */
    static String body(WireFormat f, String model, String system, String user, String schemaJson) throws Exception {
        JsonNode s = Http.json(schemaJson);
        switch (f) {
            case OPENAI -> {
                ObjectNode b = (ObjectNode) Http.json(Http.openAi(model, system, user, false, false, null));
                ObjectNode rf = b.putObject("response_format");
                rf.put("type", "json_schema");
                rf.putObject("json_schema").put("name", "answer").put("strict", false).set("schema", s);
                return b.toString();
            }
            case ANTHROPIC -> {
                ObjectNode b = (ObjectNode) Http.json(Http.anthropic(model, system, user, false, 4096));
                b.putObject("output_config").putObject("format").put("type", "json_schema").set("schema", s);
                return b.toString();
            }
            default -> {
                ObjectNode b = (ObjectNode) Http.json(Http.gemini(system, user, null));
                b.putObject("generationConfig").put("responseMimeType", "application/json").set("responseJsonSchema", s);
                return b.toString();
            }
        }
    }

    static String text(WireFormat f, String responseBody) throws Exception {
        JsonNode b = Http.json(responseBody);
        return switch (f) {
            case OPENAI -> b.path("choices").get(0).path("message").path("content").asText();
            case ANTHROPIC -> b.path("content").get(0).path("text").asText();
            default -> b.path("candidates").get(0).path("content").path("parts").get(0).path("text").asText();
        };
    }

    static String ask(WireFormat f, String model, String system, String user, String schemaJson) throws Exception {
        HttpResponse<String> r = Http.send(url(f, model), body(f, model, system, user, schemaJson));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return text(f, r.body());
    }

    @Test
    void everyPersonaAnswersSchemaValidJsonFromThePromptOnEveryFormat() throws Exception {
        for (String persona : PANEL) {
            String first = null;
            for (WireFormat f : WireFormat.values()) {
                String answer = ask(f, persona, null, MESSAGE, schemaText);
                JsonNode json = schema.readAnswer(answer);     // throws if not schema-valid JSON
                if (json.has("email")) {   // optional: some personas leave it out
                    assertThat(json.get("email").asText()).as(persona).isEqualTo("ada@example.com");
                }
                if (first == null) {
                    first = answer;
                } else {
                    assertThat(answer).as("%s answers the same on %s", persona, f).isEqualTo(first);
                }
            }
        }
        JsonNode swift = schema.readAnswer(ask(WireFormat.OPENAI, Sandbox.SWIFT, null, MESSAGE, schemaText));
        assertThat(swift.get("customer").asText()).isEqualTo("Ada Lovelace");
        assertThat(swift.get("category").asText()).isEqualTo("delivery");   // the enum value the prompt mentions
        assertThat(swift.get("refund_requested").asBoolean()).isTrue();       // ... "refund" is in the prompt
    }

    @Test
    void aVoteOverThePanelHasMajoritiesAndDisputesAndTheJudgeSettlesThemInSchema() throws Exception {
        int disputedTotal = 0;
        int majorityTotal = 0;
        List<String> prompts = List.of(MESSAGE,
                "Customer: Grace Hopper. Order: B-77. The invoice charged me twice for 3 cables CB-9. Please fix billing.",
                "Customer: Alan Turing. My account is locked since Monday and I cannot log in. Priority 5, urgent!");
        for (String prompt : prompts) {
            for (List<String> panel : List.of(PANEL.subList(0, 3), PANEL)) {
                List<JsonNode> answers = new ArrayList<>();
                for (int i = 0; i < panel.size(); i++) {
                    WireFormat f = WireFormat.values()[i % 3];
                    answers.add(schema.readAnswer(ask(f, panel.get(i), null, prompt, schemaText)));
                }
                StructuredVote vote = StructuredVote.tally(schema, answers);
                majorityTotal += vote.agreement().size();
                disputedTotal += vote.disputed().size();
                // the contrarian is never alone in a dispute it causes: every disputed leaf has the contrarian
                // (answer 2) among the answers that do not hold the common value of the swift persona (answer 0)
                for (DisputedLeaf d : vote.disputed()) {
                    assertThat(d.candidates()).as(d.pointer()).hasSizeGreaterThan(1);
                }
                VoteResult result;
                if (vote.needsJudge()) {
                    DisputeRequest req = vote.disputeRequest(prompt, 42);
                    for (WireFormat f : WireFormat.values()) {
                        String judged = ask(f, Sandbox.JUDGE, req.system(), req.user(), req.schema().json());
                        JsonNode pick = req.schema().readAnswer(judged);
                        assertThat(pick.size()).isLessThanOrEqualTo(vote.disputed().size());
                        result = vote.applyJudgeAnswer(pick);
                        assertThat(schema.validate(result.json())).isEmpty();
                        assertThat(result.judged()).hasSize(vote.disputed().size());
                    }
                } else {
                    result = vote.result();
                    assertThat(schema.validate(result.json())).isEmpty();
                }
            }
        }
        assertThat(majorityTotal).as("fields with a majority").isGreaterThan(20);
        assertThat(disputedTotal).as("fields without one").isGreaterThan(0);
    }

    @Test
    void thePersonasDepartOnSomeFieldsOnly() throws Exception {
        Map<String, JsonNode> answers = new LinkedHashMap<>();
        for (String p : PANEL) {
            answers.put(p, schema.readAnswer(Sandbox.structuredAnswer(p, schemaText, MESSAGE)));
        }
        JsonNode swift = answers.get(Sandbox.SWIFT);
        JsonNode contrarian = answers.get(Sandbox.CONTRARIAN);
        assertThat(contrarian).as("the contrarian departs somewhere").isNotEqualTo(swift);
        // the terse persona only respells (decimals), the scholar only where it departs (and Title Case)
        assertThat(StructuredVote.tally(schema, List.of(swift, answers.get(Sandbox.TERSE))).needsJudge()).isFalse();
        StructuredVote all = StructuredVote.tally(schema, List.copyOf(answers.values()));
        long unanimous = all.agreement().values().stream().filter(v -> v == 1.0).count();
        assertThat(unanimous).as("leaves all four agree on").isGreaterThan(3);
        assertThat(all.agreement().size() + all.disputed().size()).isGreaterThan((int) unanimous);
    }

    @Test
    void jsonModeWithTheSchemaInTheSystemPromptAndGeminiResponseSchema() throws Exception {
        String system = "Extract the ticket. Answer with JSON valid against this JSON Schema:\n" + schemaText;
        for (String persona : PANEL) {
            ObjectNode b = (ObjectNode) Http.json(Http.openAi(persona, system, MESSAGE, false, false, null));
            b.putObject("response_format").put("type", "json_object");
            HttpResponse<String> r = Http.send(url(WireFormat.OPENAI, persona), b.toString());
            String answer = text(WireFormat.OPENAI, r.body());
            assertThat(schema.readAnswer(answer)).isEqualTo(schema.readAnswer(Sandbox.structuredAnswer(persona, schemaText, MESSAGE)));
            if (persona.equals(Sandbox.CONTRARIAN)) {
                assertThat(answer).startsWith("```json\n");
            }
        }
        // Gemini's older OpenAPI-subset responseSchema
        String openApi = """
                {"type":"OBJECT","required":["customer","sentiment"],"properties":{
                  "customer":{"type":"STRING"},"sentiment":{"type":"STRING","enum":["positive","neutral","negative"]},
                  "note":{"type":"STRING","nullable":true}}}""";
        ObjectNode b = (ObjectNode) Http.json(Http.gemini(null, MESSAGE, null));
        b.putObject("generationConfig").put("responseMimeType", "application/json").set("responseSchema", Http.json(openApi));
        HttpResponse<String> r = Http.send(url(WireFormat.GEMINI, Sandbox.TERSE), b.toString());
        JsonNode answer = StructuredSchema.parseJson(text(WireFormat.GEMINI, r.body()));
        assertThat(answer.get("customer").asText()).isEqualTo("Ada Lovelace");
        assertThat(answer.get("sentiment").asText()).isIn("positive", "neutral", "negative");
        // and without any response format the personas answer text, labelled in the response headers, not the text
        HttpResponse<String> plain = Http.send(url(WireFormat.OPENAI, Sandbox.SWIFT),
                Http.openAi(Sandbox.SWIFT, null, MESSAGE, false, false, null));
        assertThat(text(WireFormat.OPENAI, plain.body())).doesNotContain("[sandbox]").isNotBlank();
        assertThat(plain.headers().firstValue(Sandbox.HEADER).orElseThrow()).contains(Sandbox.SWIFT, "not a real model");
    }
}
