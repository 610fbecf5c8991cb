package dev.fusion.sandbox;

import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.cost.Rates;
import dev.fusion.model.ModelRef;
import dev.fusion.sandbox.internal.JudgeReplies;
import dev.fusion.sandbox.internal.PersonaWriter;
import dev.fusion.sandbox.internal.SchemaAnswers;
import dev.fusion.sandbox.internal.Text;
import dev.fusion.sandbox.internal.ToolPersonas;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The offline sandbox: four scripted panel personas that differ in latency, price and answer, and
 * a judge that really merges answers (deterministically, with {@link SandboxMerger}) and returns
 * the JSON analysis and ranking the {@code analyze} and {@code select-best} strategies ask for, so
 * every strategy runs its real path offline. No label is ever written into an answer, so an
 * application can parse it (JSON, a record): every response says where it comes from in its
 * metadata instead, the {@value #HEADER} header (and {@code server: fusion-sandbox}), and in the
 * model ids, which all start with {@code sandbox-}. The personas and their
 * prices are fictional: a sandbox figure shows the pipeline and its arithmetic working, never the
 * quality or price of any real model. To use the sandbox from library code with ready providers
 * and prices, see {@code dev.fusion.sandbox.providers.SandboxProviders} (module
 * {@code fusion-sandbox-providers}).
 *
 * <table>
 *   <caption>Personas (latencies at scale 1; prices fictional, USD per million tokens)</caption>
 *   <tr><th>id</th><th>style</th><th>first byte</th><th>per chunk</th><th>in / out</th><th>suggested format</th></tr>
 *   <tr><td>{@value #SWIFT}</td><td>fast, cheap, two sentences</td><td>200 ms</td><td>10 ms</td><td>0.10 / 0.40</td><td>OpenAI</td></tr>
 *   <tr><td>{@value #SCHOLAR}</td><td>slow, thorough, reports reasoning tokens</td><td>1200 ms</td><td>30 ms</td><td>3.00 / 15.00</td><td>Anthropic</td></tr>
 *   <tr><td>{@value #CONTRARIAN}</td><td>mid, adds the caveat</td><td>700 ms</td><td>25 ms</td><td>0.80 / 3.20</td><td>OpenAI</td></tr>
 *   <tr><td>{@value #TERSE}</td><td>one sentence</td><td>350 ms</td><td>10 ms</td><td>0.05 / 0.20</td><td>Gemini</td></tr>
 *   <tr><td>{@value #JUDGE}</td><td>deterministic merge; prompt-cache hits on its system prompt</td><td>500 ms</td><td>15 ms</td><td>1.00 / 5.00</td><td>OpenAI</td></tr>
 * </table>
 *
 * <p>Offered tools (a calculator, a lookup), the personas call them deterministically on every wire
 * format: all agree on a calculation, the contrarian looks up another word, the terse persona makes only
 * the first of two parallel calls; a conversation ending with tool results gets a text answer quoting
 * them (see {@code ToolPersonas}).
 *
 * Every persona answers on every endpoint of the {@link WireServer}; the suggested formats spread
 * the panel over all three so a sandbox run exercises each wire format. Their {@link ModelRef}s use
 * the provider names {@value #PROVIDER_OPENAI}, {@value #PROVIDER_ANTHROPIC} and
 * {@value #PROVIDER_GEMINI}; {@link #priceBook()} prices every persona under all three.
 */
public final class Sandbox {

    public static final String SWIFT = "sandbox-swift";
    public static final String SCHOLAR = "sandbox-scholar";
    public static final String CONTRARIAN = "sandbox-contrarian";
    public static final String TERSE = "sandbox-terse";
    public static final String JUDGE = "sandbox-judge";

    /** Provider name for sandbox models reached through the OpenAI-compatible endpoint. */
    public static final String PROVIDER_OPENAI = "sandbox-openai";
    /** Provider name for sandbox models reached through the Anthropic endpoint. */
    public static final String PROVIDER_ANTHROPIC = "sandbox-anthropic";
    /** Provider name for sandbox models reached through the Gemini endpoint. */
    public static final String PROVIDER_GEMINI = "sandbox-gemini";

    /** How every sandbox answer tells the reader to use real providers. */
    public static final String REAL_PROVIDERS_HINT = "For real answers, configure a provider API key "
            + "(e.g. OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY or OPENROUTER_API_KEY).";

    /** The response header that labels every sandbox reply as fictional (the answer itself carries no label). */
    public static final String HEADER = "x-fusion-sandbox";

    /** Where the sandbox prices say they come from. */
    public static final String PRICE_SOURCE = "fictional sandbox price (not any real provider's)";

    /**
     * A sandbox persona.
     *
     * @param id          the model id
     * @param description what it is like
     * @param format      the wire format it is suggested for (it answers on all)
     * @param firstByte   latency to the first byte, at latency scale 1
     * @param perChunk    delay between stream chunks, at latency scale 1
     * @param price       its fictional price
     */
    public record Persona(String id, String description, WireFormat format, Duration firstByte, Duration perChunk,
                          Price price) {

        /** The provider name for this persona's suggested format. */
        public String provider() {
            return providerName(format);
        }

        /** {@code provider:id} under the suggested format, e.g. {@code sandbox-anthropic:sandbox-scholar}. */
        public ModelRef ref() {
            return new ModelRef(provider(), id);
        }

        /** True for the judge. */
        public boolean isJudge() {
            return id.equals(JUDGE);
        }
    }

    private static Price price(String in, String out, String cacheRead, String cacheWrite) {
        Rates r = Rates.of(in, out);
        if (cacheRead != null) {
            r = r.withCacheRead(cacheRead);
        }
        if (cacheWrite != null) {
            r = r.withCacheWrite(cacheWrite);
        }
        return Price.of(r).withSource(PRICE_SOURCE, null);
    }

    private static final List<Persona> PERSONAS = List.of(
            new Persona(SWIFT, "fast and cheap: the core fact and one detail", WireFormat.OPENAI,
                    Duration.ofMillis(200), Duration.ofMillis(10), price("0.10", "0.40", "0.025", null)),
            new Persona(SCHOLAR, "slow and thorough: details, caveat and summary; reports reasoning tokens",
                    WireFormat.ANTHROPIC, Duration.ofMillis(1200), Duration.ofMillis(30),
                    price("3.00", "15.00", "0.30", "3.75")),
            new Persona(CONTRARIAN, "mid-priced: the core fact, then the caveat others skip", WireFormat.OPENAI,
                    Duration.ofMillis(700), Duration.ofMillis(25), price("0.80", "3.20", null, null)),
            new Persona(TERSE, "one sentence, cheapest", WireFormat.GEMINI,
                    Duration.ofMillis(350), Duration.ofMillis(10), price("0.05", "0.20", "0.0125", null)),
            new Persona(JUDGE, "deterministic merge: agreed points first, then unique ones", WireFormat.OPENAI,
                    Duration.ofMillis(500), Duration.ofMillis(15), price("1.00", "5.00", "0.10", "1.25")));

    private static final SandboxMerger MERGER = new SandboxMerger();

    private Sandbox() {
    }

    /** All personas: the four panel members, then the judge. */
    public static List<Persona> personas() {
        return PERSONAS;
    }

    /** The four panel personas, spread over the three wire formats. */
    public static List<Persona> panel() {
        return PERSONAS.subList(0, 4);
    }

    /** The sandbox judge. */
    public static Persona judge() {
        return PERSONAS.get(4);
    }

    /** A persona by id. */
    public static Persona persona(String id) {
        for (Persona p : PERSONAS) {
            if (p.id().equals(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("no sandbox persona '" + id + "'; personas: " + SWIFT + ", " + SCHOLAR
                + ", " + CONTRARIAN + ", " + TERSE + ", " + JUDGE);
    }

    /** The provider name used for sandbox models reached through a format. */
    public static String providerName(WireFormat format) {
        switch (format) {
            case OPENAI: return PROVIDER_OPENAI;
            case ANTHROPIC: return PROVIDER_ANTHROPIC;
            default: return PROVIDER_GEMINI;
        }
    }

    /**
     * The full answer text a persona gives to a prompt (for the judge, the prompt is the judge's
     * user message with {@code <question>} and {@code <answer n="…">} blocks). Deterministic.
     * Same as {@link #answer(String, String, String)} with no system prompt.
     */
    public static String answer(String personaId, String prompt) {
        return answer(personaId, "", prompt);
    }

    /**
     * The full answer text a persona gives to a system prompt and a user prompt. Deterministic.
     * <ul>
     *   <li>Panel personas answer the question from the sandbox's small built-in fact list, each in
     *       its own style, or outline an approach when there is no fact; a {@code <references>}
     *       block (the {@code layered} strategy's later rounds) is read as references, not as the
     *       question.</li>
     *   <li>The judge reads what its prompt asks for: the JSON analysis the {@code analyze}
     *       strategy's prompt requests, the JSON ranking of {@code select-best}, or else a merged
     *       answer ({@link SandboxMerger}). Asked a plain question with no answers to merge (the
     *       judge's model alone, as {@code fusion eval} does), it answers like a panel persona.</li>
     * </ul>
     * No reply carries a label: the {@value #HEADER} response header says it is fictional ({@link #notice}).
     * A question that states a JSON Schema in its words (Spring AI's {@code .entity(...)} format instructions,
     * "valid against this JSON Schema: {...}") gets schema-valid JSON, as a model following them would give.
     */
    public static String answer(String personaId, String system, String prompt) {
        Objects.requireNonNull(prompt, "prompt");
        Persona p = persona(personaId);
        if (p.isJudge()) {
            SandboxMerger.Merge merge = MERGER.mergeJudgePrompt(prompt);
            if (merge.answerCount() == 0) {
                String schema = SchemaAnswers.schemaAskedFor(prompt);
                return schema != null ? SchemaAnswers.answer(schema, SchemaAnswers.withoutSchema(prompt), SchemaAnswers.Voice.JUDGE)
                        : PersonaWriter.body(PersonaWriter.Style.SWIFT, prompt);
            }
            switch (JudgeReplies.kind(system, prompt)) {
                case ANALYSIS:
                    return JudgeReplies.analysis(merge);
                case RANKING:
                    return JudgeReplies.ranking(merge);
                default:
                    // the question, or the judge's own instructions after the answers, may ask for JSON in a schema
                    String schema = SchemaAnswers.schemaAskedFor(merge.question());
                    if (schema == null) {
                        schema = SchemaAnswers.schemaAskedFor(afterAnswers(prompt));
                    }
                    return schema != null
                            ? SchemaAnswers.answer(schema, SchemaAnswers.withoutSchema(merge.question()), SchemaAnswers.Voice.JUDGE)
                            : merge.render();
            }
        }
        String question = withoutReferences(prompt);
        String schema = SchemaAnswers.schemaAskedFor(question);
        if (schema != null) {
            return SchemaAnswers.answer(schema, SchemaAnswers.withoutSchema(question), voice(p.id()));
        }
        return PersonaWriter.body(style(p.id()), question);
    }

    /**
     * What a persona's replies are, for response metadata (the {@value #HEADER} header) and logs: fictional,
     * from which persona, and how to get real answers. Never part of an answer.
     */
    public static String notice(String personaId) {
        return persona(personaId).isJudge()
                ? "Deterministic merge by " + JUDGE + " (sentence overlap); no model was called. " + REAL_PROVIDERS_HINT
                : PersonaWriter.notice(personaId, REAL_PROVIDERS_HINT);
    }

    /** The judge prompt's text after its last {@code </answer>}: where a template states the answer format. */
    private static String afterAnswers(String prompt) {
        int end = prompt.lastIndexOf("</answer>");
        return end < 0 ? "" : prompt.substring(end);
    }

    /** The request part of a layered-round prompt: the text before its {@code <references>} block. */
    private static String withoutReferences(String prompt) {
        int r = prompt.indexOf("<references>");
        return r > 0 ? prompt.substring(0, r) : prompt;
    }

    private static PersonaWriter.Style style(String id) {
        switch (id) {
            case SWIFT: return PersonaWriter.Style.SWIFT;
            case SCHOLAR: return PersonaWriter.Style.SCHOLAR;
            case CONTRARIAN: return PersonaWriter.Style.CONTRARIAN;
            default: return PersonaWriter.Style.TERSE;
        }
    }

    /** The personas' scripts with their real latencies. */
    public static Behaviour behaviour() {
        return behaviour(1.0);
    }

    /**
     * The personas' scripts with latencies multiplied by {@code latencyScale} (0 = instant, for
     * tests). The scholar reports reasoning tokens (twice its answer's tokens); the judge reports
     * its system prompt as a prompt-cache write on its first call and a cache read afterwards.
     */
    public static Behaviour behaviour(double latencyScale) {
        if (!(latencyScale >= 0)) {
            throw new IllegalArgumentException("latencyScale cannot be negative: " + latencyScale);
        }
        Behaviour.Builder b = Behaviour.builder();
        for (Persona p : PERSONAS) {
            Duration first = scale(p.firstByte(), latencyScale);
            Duration chunk = scale(p.perChunk(), latencyScale);
            b.model(p.id(), request -> {
                Reply tools = ToolPersonas.reply(p.id(), p.id().equals(CONTRARIAN), p.id().equals(TERSE), "", request);
                if (tools != null) {
                    return tools.firstByteDelay(first).chunkDelay(chunk).wordsPerChunk(4);
                }
                String schema = schemaOf(request);
                String text = schema != null ? structuredText(p.id(), schema, request)
                        : request.outputMode() == OutputMode.JSON ? jsonText(p.id(), request)
                        : answer(p.id(), request.system(), promptOf(p, request));
                Reply r = Reply.text(text).firstByteDelay(first).chunkDelay(chunk).wordsPerChunk(4);
                if (p.id().equals(SCHOLAR)) {
                    r = r.reasoningTokens(2 * Text.tokens(text));
                }
                if (p.isJudge() && !request.system().isEmpty()) {
                    long system = Text.tokens(request.system());
                    r = request.sequence() == 1 ? r.cacheWriteTokens(system) : r.cachedTokens(system);
                }
                return r;
            });
        }
        // The batch APIs answer after 2 s (scaled), on the system clock, within a 24 h window.
        b.batches(java.time.Clock.systemUTC(), scale(Duration.ofSeconds(2), latencyScale), Duration.ofHours(24));
        return b.build();
    }

    /**
     * The JSON a persona answers to a question under a JSON Schema: schema-valid, derived from the question's
     * words and numbers, deterministic per persona and question. The panel personas agree on most fields and
     * depart on some (the contrarian alone on about one leaf in five, the contrarian and the scholar in
     * different ways on about one in five), so a {@code vote} shows both majorities and disputes; the judge
     * never departs, and asked about disputed fields (a schema whose properties are JSON Pointers, each an
     * {@code enum} of candidates) picks the first, best-supported candidate. Fictional like every sandbox
     * answer, but no label is written into it: the model ids and the {@value #HEADER} header say where it came
     * from. The prompt is read the way a person would read a support message: the tone from its words, product
     * codes with the quantities written before them, the category from keywords, a priority from tone and
     * urgency; readers differ where people do (the contrarian escalates the priority and hears a polite
     * complaint as neutral, the scholar lowers the priority), so a vote shows majorities and a dispute.
     *
     * @param personaId a persona id
     * @param schemaJson the JSON Schema
     * @param question  the question (the first user message)
     */
    public static String structuredAnswer(String personaId, String schemaJson, String question) {
        Objects.requireNonNull(schemaJson, "schemaJson");
        return SchemaAnswers.answer(schemaJson, question, voice(persona(personaId).id()));
    }

    /** The schema a request carries natively, or (JSON mode) in its system prompt; null when none. */
    private static String schemaOf(WireRequest request) {
        return switch (request.outputMode()) {
            case JSON_SCHEMA -> request.schema();
            case JSON -> SchemaAnswers.schemaInText(request.system());
            // a schema stated in the system prompt's words, for a panel persona (the judge's own prompts show
            // JSON shapes that are not the answer's schema)
            default -> request.model().equals(JUDGE) ? null : SchemaAnswers.schemaAskedFor(request.system());
        };
    }

    private static String structuredText(String personaId, String schema, WireRequest request) {
        String question = request.firstUserText();
        if (persona(personaId).isJudge()) {
            // the judge answers the question its prompt quotes, not the panel's answers around it
            String quoted = SandboxMerger.question(question);
            question = quoted.isEmpty() ? question : SchemaAnswers.withoutSchema(quoted);
        }
        String json = structuredAnswer(personaId, schema, question);
        // in JSON mode (schema in the prompt, no native constraint) the contrarian fences its JSON, as models do
        return request.outputMode() == OutputMode.JSON && personaId.equals(CONTRARIAN) ? "```json\n" + json + "\n```" : json;
    }

    /** JSON mode without a schema: the persona's answer as {@code {"answer": …}} (the label is in the headers). */
    private static String jsonText(String personaId, WireRequest request) {
        var node = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        node.put("answer", PersonaWriter.body(style(personaId), request.firstUserText()));
        return node.toString();
    }

    private static SchemaAnswers.Voice voice(String id) {
        switch (id) {
            case SWIFT: return SchemaAnswers.Voice.SWIFT;
            case SCHOLAR: return SchemaAnswers.Voice.SCHOLAR;
            case CONTRARIAN: return SchemaAnswers.Voice.CONTRARIAN;
            case TERSE: return SchemaAnswers.Voice.TERSE;
            default: return SchemaAnswers.Voice.JUDGE;
        }
    }

    /**
     * What a persona answers: the last user message; for the judge, the first user message that
     * holds answers (so a structured-reply retry, which adds a user message, gets the same reply).
     */
    private static String promptOf(Persona p, WireRequest request) {
        if (p.isJudge()) {
            for (WireRequest.Message m : request.messages()) {
                if (m.role().equals("user") && m.text().contains("<answer")) {
                    return m.text();
                }
            }
        }
        return request.lastUserText();
    }

    private static Duration scale(Duration d, double factor) {
        return Duration.ofNanos(Math.round(d.toNanos() * factor));
    }

    /** Starts a sandbox server on an ephemeral port with real latencies. */
    public static WireServer start() {
        return WireServer.start(behaviour());
    }

    /** Starts a sandbox server on a port (0 = ephemeral) with scaled latencies. */
    public static WireServer start(int port, double latencyScale) {
        return WireServer.start(behaviour(latencyScale), port);
    }

    /**
     * Fictional prices for every persona under each sandbox provider name
     * ({@value #PROVIDER_OPENAI}, {@value #PROVIDER_ANTHROPIC}, {@value #PROVIDER_GEMINI}), so cost
     * arithmetic on sandbox calls is real while the money is not. Source: {@value #PRICE_SOURCE}. Each also has
     * a fictional batch price, half of every rate, for calls made through the sandbox's batch APIs.
     */
    public static PriceBook priceBook() {
        return priceBookWithBatch();
    }

    /** Half of every rate: the sandbox's fictional batch price (the real batch APIs bill about 50 %). */
    static Price batchPrice(Price p) {
        java.math.BigDecimal half = new java.math.BigDecimal("0.5");
        dev.fusion.cost.Rates r = p.base();
        dev.fusion.cost.Rates b = new dev.fusion.cost.Rates(r.input().multiply(half), r.output().multiply(half),
                r.cacheRead() == null ? null : r.cacheRead().multiply(half),
                r.cacheWrite() == null ? null : r.cacheWrite().multiply(half),
                r.cacheWrite1h() == null ? null : r.cacheWrite1h().multiply(half),
                r.reasoning() == null ? null : r.reasoning().multiply(half));
        return Price.of(b).withSource(PRICE_SOURCE + ", batch", null);
    }

    private static PriceBook priceBookWithBatch() {
        PriceBook book = PriceBook.empty();
        for (Persona p : PERSONAS) {
            for (WireFormat f : WireFormat.values()) {
                ModelRef ref = new ModelRef(providerName(f), p.id());
                book = book.with(ref, p.price()).withBatch(ref, batchPrice(p.price()));
            }
        }
        return book;
    }
}
