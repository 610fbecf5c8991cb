package dev.fusion.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.fusion.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StructuredSchemaTest {

    static final String TICKET = """
            {"type":"object","additionalProperties":false,
             "required":["sentiment","priority","items"],
             "properties":{
               "sentiment":{"enum":["positive","neutral","negative"]},
               "priority":{"type":"integer","minimum":1,"maximum":5},
               "summary":{"type":"string","maxLength":200},
               "items":{"type":"array","items":{"type":"object","required":["sku"],
                        "properties":{"sku":{"type":"string"},"qty":{"type":"number"}}}}}}""";

    final ObjectMapper json = new ObjectMapper();

    @Test
    void validatesWithJsonPointersAndMessages() throws Exception {
        StructuredSchema schema = StructuredSchema.parse(TICKET);
        assertThat(schema.validate(json.readTree("{\"sentiment\":\"positive\",\"priority\":2,\"items\":[]}"))).isEmpty();
        var errors = schema.validate(json.readTree(
                "{\"sentiment\":\"happy\",\"priority\":9,\"items\":[{\"qty\":\"x\"}],\"extra\":1}"));
        assertThat(errors).anySatisfy(e -> assertThat(e).startsWith("/sentiment: ").contains("enumeration"))
                .anySatisfy(e -> assertThat(e).startsWith("/priority: "))
                .anySatisfy(e -> assertThat(e).startsWith("/items/0: ").contains("sku"))
                .anySatisfy(e -> assertThat(e).startsWith("/items/0/qty: "))
                .anySatisfy(e -> assertThat(e).startsWith("(root): ").contains("extra"));
        assertThat(schema.validate(json.readTree("{}"))).allSatisfy(e -> assertThat(e).startsWith("(root): "));
    }

    @Test
    void draft2020ByDefaultAndOtherDialectsByName() throws Exception {
        // prefixItems exists only from 2020-12 on
        StructuredSchema tuple = StructuredSchema.parse("{\"type\":\"array\",\"prefixItems\":[{\"type\":\"string\"}]}");
        assertThat(tuple.isValid(json.readTree("[1]"))).isFalse();
        StructuredSchema draft7 = StructuredSchema.parse(
                "{\"$schema\":\"http://json-schema.org/draft-07/schema#\",\"type\":\"string\"}");
        assertThat(draft7.isValid(json.readTree("\"x\""))).isTrue();
        assertThatThrownBy(() -> StructuredSchema.parse("{\"$schema\":\"https://example.com/my-dialect\"}"))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("not a supported dialect");
    }

    @Test
    void refusesBadSchemasBeforeAnyUse() {
        assertThatThrownBy(() -> StructuredSchema.parse("{\"type\":")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> StructuredSchema.parse("[1]")).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("must be a JSON object");
        assertThatThrownBy(() -> StructuredSchema.parse("{\"type\":\"string\"}".repeat(1) + " ".repeat(StructuredSchema.MAX_SCHEMA_CHARS)))
                .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("at most");
        String deep = "{\"properties\":{\"a\":".repeat(20) + "{}" + "}}".repeat(20);
        assertThatThrownBy(() -> StructuredSchema.parse(deep)).isInstanceOf(InvalidConfigurationException.class)
                .hasMessageContaining("deeper");
        assertThatThrownBy(() -> StructuredSchema.parse("{\"type\":\"nonsense\"}")).isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("/type");
    }

    @Test
    void neverFetchesAReferencedSchema() throws Exception {
        AtomicInteger hits = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            hits.incrementAndGet();
            byte[] body = "{\"type\":\"string\"}".getBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/s.json";
            assertThatThrownBy(() -> StructuredSchema.parse("{\"properties\":{\"a\":{\"$ref\":\"" + url + "\"}}}"))
                    .isInstanceOf(InvalidConfigurationException.class).hasMessageContaining("never fetches")
                    .hasMessageContaining("/properties/a");
            assertThat(hits).hasValue(0);
        } finally {
            server.stop(0);
        }
        // local references work
        StructuredSchema local = StructuredSchema.parse(
                "{\"$defs\":{\"s\":{\"type\":\"string\"}},\"properties\":{\"a\":{\"$ref\":\"#/$defs/s\"}}}");
        assertThat(local.validate(json.readTree("{\"a\":1}"))).singleElement().asString().startsWith("/a: ");
    }

    @Test
    void theExampleTicketSchemaMatchesItsRecord() throws Exception {
        StructuredSchema schema = StructuredSchema.parse(java.nio.file.Files.readString(java.nio.file.Path.of("../examples/ticket-schema.json")));
        String record = java.nio.file.Files.readString(java.nio.file.Path.of("../examples/ticket-record.json"));
        assertThat(schema.readAnswer(record).at("/items/1/sku").asText()).isEqualTo("MS-7");
        assertThat(schema.validate(json.readTree(record.replace("\"delivery\"", "\"shipping\""))))
                .singleElement().asString().startsWith("/category: ");
    }

    @Test
    void isImmutable() throws Exception {
        JsonNode tree = json.readTree("{\"type\":\"string\"}");
        StructuredSchema schema = StructuredSchema.of(tree);
        ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("type", "integer");
        ((com.fasterxml.jackson.databind.node.ObjectNode) schema.node()).put("type", "integer");
        assertThat(schema.isValid(json.readTree("\"x\""))).isTrue();
        assertThat(schema.json()).isEqualTo("{\"type\":\"string\"}");
    }

    @Test
    void parsesPlainAndFencedAnswers() {
        StructuredSchema schema = StructuredSchema.parse(TICKET);
        String body = "{\"sentiment\":\"neutral\",\"priority\":3,\"items\":[{\"sku\":\"A-1\",\"qty\":2.50}]}";
        assertThat(schema.readAnswer(body).at("/items/0/sku").asText()).isEqualTo("A-1");
        assertThat(schema.readAnswer("  \n```json\n" + body + "\n```\n").at("/priority").asInt()).isEqualTo(3);
        assertThat(schema.readAnswer("```\n" + body + "```").at("/sentiment").asText()).isEqualTo("neutral");
        assertThat(schema.readAnswer("```JSON\n" + body + "\n```").at("/items/0/qty").toString()).isEqualTo("2.50");
    }

    @Test
    void refusesGarbageWithTypedProblems() {
        StructuredSchema schema = StructuredSchema.parse(TICKET);
        String body = "{\"sentiment\":\"neutral\",\"priority\":3,\"items\":[]}";
        assertProblem(() -> schema.readAnswer(""), AnswerProblem.EMPTY, "empty");
        assertProblem(() -> schema.readAnswer("```json\n\n```"), AnswerProblem.EMPTY, "empty");
        assertProblem(() -> schema.readAnswer(body + " and that's my answer"), AnswerProblem.TRAILING_CONTENT, "line 1");
        assertProblem(() -> schema.readAnswer(body + "{}"), AnswerProblem.TRAILING_CONTENT, "after the JSON value");
        assertProblem(() -> schema.readAnswer("```json\n" + body + "\n```\nHope this helps!"), AnswerProblem.NOT_JSON, "not closed");
        assertProblem(() -> schema.readAnswer("```json\n" + body), AnswerProblem.NOT_JSON, "not closed");
        assertProblem(() -> schema.readAnswer("```python\n" + body + "\n```"), AnswerProblem.NOT_JSON, "python");
        assertProblem(() -> schema.readAnswer("Here you go: " + body), AnswerProblem.NOT_JSON, "not valid JSON");
        assertProblem(() -> schema.readAnswer("{\"sentiment\":\"neutral\",\"sentiment\":\"positive\"}"), AnswerProblem.NOT_JSON, "uplicate");
        assertProblem(() -> schema.readAnswer("{\"sentiment\":"), AnswerProblem.NOT_JSON, "not valid JSON");
        assertProblem(() -> schema.readAnswer("[".repeat(StructuredSchema.MAX_ANSWER_DEPTH + 5)), AnswerProblem.TOO_DEEP, "deeper");
        assertProblem(() -> schema.readAnswer(" ".repeat(StructuredSchema.MAX_ANSWER_CHARS) + body), AnswerProblem.TOO_LARGE, "at most");
        InvalidAnswerException e = assertProblem(() -> schema.readAnswer("{\"sentiment\":\"meh\",\"priority\":3,\"items\":[]}"),
                AnswerProblem.SCHEMA_VIOLATION, "/sentiment");
        assertThat(e.errors()).singleElement().asString().startsWith("/sentiment: ");
        assertThat(InvalidAnswerException.ERROR_KIND).isEqualTo("invalid_output");
    }

    static InvalidAnswerException assertProblem(Runnable r, AnswerProblem problem, String inMessage) {
        try {
            r.run();
        } catch (InvalidAnswerException e) {
            assertThat(e.problem()).isEqualTo(problem);
            assertThat(e.getMessage()).contains(inMessage);
            assertThat(e.errors()).isNotEmpty();
            return e;
        }
        throw new AssertionError("expected " + problem);
    }
}
