package dev.fusion.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Usage;
import dev.fusion.judge.JudgePrompt;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.fusion.sandbox.Http.json;
import static dev.fusion.sandbox.Http.send;
import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class SandboxTest {

    static final String QUESTION = "What is the capital of France?";

    @Test
    void personasGiveDifferentDeterministicSandboxAnswers() {
        Set<String> distinct = new HashSet<>();
        for (Sandbox.Persona p : Sandbox.panel()) {
            String a = Sandbox.answer(p.id(), QUESTION);
            assertThat(Sandbox.answer(p.id(), QUESTION)).isEqualTo(a);
            // no label inside the answer (an application may parse it); the label is metadata
            assertThat(a).doesNotContain("[sandbox]");
            assertThat(Sandbox.notice(p.id())).contains(p.id()).contains("not a real model").contains("API key");
            assertThat(a).contains("Paris");
            distinct.add(a);
        }
        assertThat(distinct).hasSize(4);
        assertThat(Sandbox.answer(Sandbox.TERSE, QUESTION).length())
                .isLessThan(Sandbox.answer(Sandbox.SCHOLAR, QUESTION).length());
    }

    @Test
    void unknownQuestionsGetAnHonestOutlineFromTheKeyTerms() {
        String a = Sandbox.answer(Sandbox.SWIFT, "How should I schedule feeding my sourdough starter?");
        assertThat(a).contains("no built-in fact").contains("schedule").contains("sourdough");
        assertThat(Sandbox.answer(Sandbox.CONTRARIAN, "How should I schedule feeding my sourdough starter?"))
                .isNotEqualTo(a).contains("Question whether schedule");
    }

    @Test
    void theWholeSandboxPanelAndJudgeOverAllThreeWireFormats() throws Exception {
        try (WireServer server = Sandbox.start(0, 0.0)) {
            List<String> answers = new ArrayList<>();
            for (Sandbox.Persona p : Sandbox.panel()) {
                HttpResponse<String> r = send(FaultTest.request(server, p.format(), p.id(), false).build()
                        .newBuilder(FaultTest.request(server, p.format(), p.id(), false).build(), (n, v) -> true)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body(p.format(), p.id(), QUESTION)))
                        .build());
                assertThat(r.statusCode()).as(p.id()).isEqualTo(200);
                answers.add(text(p.format(), json(r.body())));
            }
            assertThat(answers.get(0)).isEqualTo(Sandbox.answer(Sandbox.SWIFT, QUESTION));
            assertThat(new HashSet<>(answers)).hasSize(4);

            JudgePrompt jp = JudgePrompt.synthesize();
            String user = jp.render(QUESTION, answers);
            String judgeBody = Http.openAi(Sandbox.JUDGE, jp.system(), user, false, false, null);
            String url = server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
            HttpResponse<String> firstResponse = send(url, judgeBody);
            JsonNode first = json(firstResponse.body());
            String merged = first.path("choices").get(0).path("message").path("content").asText();
            assertThat(merged).startsWith("What the answers agree on:").doesNotContain("[sandbox]");
            assertThat(firstResponse.headers().firstValue(Sandbox.HEADER)).get(org.assertj.core.api.InstanceOfAssertFactories.STRING)
                    .startsWith("Deterministic merge by sandbox-judge").contains("no model was called");
            assertThat(merged).contains("The capital of France is Paris. (4 of 4 answers)");
            assertThat(merged.indexOf("(4 of 4 answers)")).isLessThan(merged.indexOf("(2 of 4 answers)"));
            assertThat(merged.indexOf("(2 of 4 answers)")).isLessThan(merged.indexOf("one answer each"));
            assertThat(merged).isEqualTo(Sandbox.answer(Sandbox.JUDGE, user));

            // The judge's identical system prompt is written to the prompt cache once, then read from it.
            long system = Http.tokens(jp.system());
            assertThat(first.path("usage").path("prompt_tokens_details").path("cache_write_tokens").asLong()).isEqualTo(system);
            JsonNode second = json(send(url, judgeBody).body());
            assertThat(second.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(system);
            assertThat(second.path("choices").get(0).path("message").path("content").asText()).isEqualTo(merged);

            // Every call's usage is priceable with the sandbox price book.
            PriceBook book = Sandbox.priceBook();
            Usage judgeUsage = server.servedUsage(Sandbox.JUDGE);
            BigDecimal cost = book.find(Sandbox.judge().ref()).orElseThrow().costOf(judgeUsage);
            assertThat(cost).isPositive();
            assertThat(server.servedUsage(Sandbox.SCHOLAR).output())
                    .as("the scholar's reasoning is billed inside Anthropic output_tokens")
                    .isGreaterThan(2 * Http.tokens(answers.get(1)));
        }
    }

    private static String body(WireFormat f, String model, String q) {
        switch (f) {
            case OPENAI: return Http.openAi(model, null, q, false, false, null);
            case ANTHROPIC: return Http.anthropic(model, null, q, false, 4096);
            default: return Http.gemini(null, q, null);
        }
    }

    private static String text(WireFormat f, JsonNode b) {
        switch (f) {
            case OPENAI: return b.path("choices").get(0).path("message").path("content").asText();
            case ANTHROPIC: return b.path("content").get(0).path("text").asText();
            default: return b.path("candidates").get(0).path("content").path("parts").get(0).path("text").asText();
        }
    }

    @Test
    void personasDifferInLatency() throws Exception {
        try (WireServer server = Sandbox.start(0, 0.2)) {
            String url = server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
            send(url, Http.openAi(Sandbox.SWIFT, null, QUESTION, false, false, null)); // warm-up: connection, JIT
            // The fastest of three swift calls: one call stalled by a loaded machine (a few hundred ms) must
            // not make the fast persona look slow; the scholar's delay is a lower bound the server enforces.
            long swift = Long.MAX_VALUE;
            for (int i = 0; i < 3; i++) {
                long s0 = System.nanoTime();
                send(url, Http.openAi(Sandbox.SWIFT, null, QUESTION, false, false, null));
                swift = Math.min(swift, System.nanoTime() - s0);
            }
            long t0 = System.nanoTime();
            send(url, Http.openAi(Sandbox.SCHOLAR, null, QUESTION, false, false, null));
            long scholar = System.nanoTime() - t0;
            assertThat(scholar).isGreaterThan(swift);
            assertThat(scholar / 1_000_000).isGreaterThanOrEqualTo(240);
        }
    }

    @Test
    void priceBookPricesEveryPersonaUnderEveryProviderNameFictionally() {
        PriceBook book = Sandbox.priceBook();
        for (Sandbox.Persona p : Sandbox.personas()) {
            for (WireFormat f : WireFormat.values()) {
                Price price = book.find(new ModelRef(Sandbox.providerName(f), p.id())).orElseThrow();
                assertThat(price.source()).contains("fictional");
                assertThat(price.costOf(Usage.of(1_000_000, 1_000_000))).isPositive();
            }
        }
        assertThat(Sandbox.persona(Sandbox.SWIFT).price().base().output())
                .isLessThan(Sandbox.persona(Sandbox.SCHOLAR).price().base().output());
        assertThat(Sandbox.panel()).extracting(Sandbox.Persona::format).contains(WireFormat.values());
    }

    @Test
    void mainStartsTheServerAndPrintsWhereItListens() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (WireServer server = SandboxMain.start(0, 0.0, new PrintStream(buf, true, StandardCharsets.UTF_8))) {
            String out = buf.toString(StandardCharsets.UTF_8);
            assertThat(out).contains(server.baseUrl() + "/v1").contains(server.baseUrl() + "/v1beta")
                    .contains("sandbox-anthropic:sandbox-scholar").contains("sandbox-gemini:sandbox-terse")
                    .contains(Sandbox.JUDGE).contains("port " + server.port());
            HttpResponse<String> r = send(server.baseUrl(WireFormat.GEMINI) + "/v1beta/models/sandbox-terse:generateContent",
                    Http.gemini(null, QUESTION, null));
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }

    /** The four persona answers to a question, as the panel sends them. */
    private static List<String> panelAnswers(String question) {
        List<String> answers = new ArrayList<>();
        for (Sandbox.Persona p : Sandbox.panel()) {
            answers.add(Sandbox.answer(p.id(), question));
        }
        return answers;
    }

    private static String judgeOverHttp(WireServer server, String system, String user) throws Exception {
        String url = server.baseUrl(WireFormat.OPENAI) + "/chat/completions";
        JsonNode r = json(send(url, Http.openAi(Sandbox.JUDGE, system, user, false, false, null)).body());
        return r.path("choices").get(0).path("message").path("content").asText();
    }

    @Test
    void theJudgeReturnsTheAnalysisJsonTheAnalyzePromptAsksFor() throws Exception {
        List<String> answers = panelAnswers(QUESTION);
        JudgePrompt analyze = JudgePrompt.analyze();
        try (WireServer server = Sandbox.start(0, 0.0)) {
            String reply = judgeOverHttp(server, analyze.system(), analyze.render(QUESTION, answers));
            assertThat(reply).startsWith("{").doesNotContain("[sandbox]");
            // Fusion's own parser accepts it: the analyze strategy runs its real path, not the fallback.
            dev.fusion.judge.Analysis a = dev.fusion.internal.StructuredRepliesBridge.analysis(reply, answers.size());
            assertThat(a.consensus()).anyMatch(p -> p.contains("Paris"));
            assertThat(a.uniqueInsights()).isNotEmpty();
        }
    }

    @Test
    void theJudgeReturnsTheRankingJsonTheSelectBestPromptAsksForInBothOrders() throws Exception {
        List<String> answers = panelAnswers(QUESTION);
        List<String> reversed = new ArrayList<>(answers);
        java.util.Collections.reverse(reversed);
        JudgePrompt rank = JudgePrompt.rank();
        try (WireServer server = Sandbox.start(0, 0.0)) {
            List<Integer> forward = dev.fusion.internal.StructuredRepliesBridge.ranking(
                    judgeOverHttp(server, rank.system(), rank.render(QUESTION, answers)), 4);
            List<Integer> backward = dev.fusion.internal.StructuredRepliesBridge.ranking(
                    judgeOverHttp(server, rank.system(), rank.render(QUESTION, reversed)), 4);
            assertThat(forward).containsExactlyInAnyOrder(0, 1, 2, 3);
            // Content decides, not position: the same answer wins in both orders.
            assertThat(reversed.get(backward.get(0))).isEqualTo(answers.get(forward.get(0)));
            // The scholar's answer shares the most agreed points.
            assertThat(answers.get(forward.get(0))).isEqualTo(Sandbox.answer(Sandbox.SCHOLAR, QUESTION));
        }
    }

    @Test
    void aStructuredRetryGetsTheSameJsonAsTheFirstAsk() {
        List<String> answers = panelAnswers(QUESTION);
        JudgePrompt rank = JudgePrompt.rank();
        String user = rank.render(QUESTION, answers);
        Behaviour b = Sandbox.behaviour(0);
        WireRequest first = new WireRequest(WireFormat.OPENAI, Sandbox.JUDGE, rank.system(),
                List.of(new WireRequest.Message("user", user)), null, false, true, null, 1);
        WireRequest retry = new WireRequest(WireFormat.OPENAI, Sandbox.JUDGE, rank.system(),
                List.of(new WireRequest.Message("user", user), new WireRequest.Message("assistant", "oops"),
                        new WireRequest.Message("user", JudgePrompt.structuredRetry("no JSON object"))), null, false,
                true, null, 2);
        assertThat(Sandbox.answer(Sandbox.JUDGE, rank.system(), user)).contains("{\"ranking\"");
        assertThat(b.decide(retry).text()).isEqualTo(b.decide(first).text());
    }

    @Test
    void theJudgeAloneAnswersAPlainQuestionInsteadOfReportingNothingToMerge() {
        String a = Sandbox.answer(Sandbox.JUDGE, QUESTION);
        assertThat(a).doesNotContain("[sandbox]").contains("Paris").doesNotContain("no answers to merge");
    }

    @Test
    void personasAnswerTheExampleProgramsDefaultPromptsFromFactsNotFiller() {
        for (String prompt : List.of("What are the trade-offs between optimistic and pessimistic locking?",
                "Explain how a B-tree stays balanced on insert, with a small example.",
                "A Java method that merges overlapping intervals given as int[][] and returns them sorted.",
                "Give three tips for writing readable Java.",
                "In one paragraph: why do databases use write-ahead logs?")) {
            for (Sandbox.Persona p : Sandbox.panel()) {
                assertThat(Sandbox.answer(p.id(), prompt)).as(prompt).doesNotContain("no built-in fact");
            }
        }
        assertThat(Sandbox.answer(Sandbox.TERSE, "Explain how a B-tree stays balanced on insert")).contains("split");
    }

    @Test
    void aLayeredRoundAnswersTheRequestNotTheReferences() {
        String round2 = JudgePrompt.layeredReferences().render("What is DNS?", panelAnswers("What is DNS?"));
        assertThat(Sandbox.answer(Sandbox.SWIFT, round2)).contains("Domain Name System")
                .doesNotContain("This is the Fusion sandbox");
    }

    @Test
    void theGeminiBaseUrlIsWhatTheGeminiKindExpects() throws Exception {
        try (WireServer server = Sandbox.start(0, 0.0)) {
            // The gemini provider kind appends /v1beta/models/{model}:generateContent to its base URL.
            assertThat(server.baseUrl(WireFormat.GEMINI)).isEqualTo(server.baseUrl()).doesNotEndWith("/v1beta");
            assertThat(SandboxMain.describe(server)).contains("base URL  " + server.baseUrl() + "\n")
                    .doesNotContain("base URL  " + server.baseUrl() + "/v1beta");
            HttpResponse<String> r = send(server.baseUrl(WireFormat.GEMINI) + "/v1beta/models/sandbox-terse:generateContent",
                    Http.gemini(null, QUESTION, null));
            assertThat(r.statusCode()).isEqualTo(200);
        }
    }
}
