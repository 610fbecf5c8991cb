package dev.fusion.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Price;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.OutputMode;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireRequest;

import java.time.LocalDate;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * What the scripted provider (the sandbox {@code WireServer}, OpenAI chat-completions wire format, real HTTP
 * on loopback) answers for the {@link ExtractionWorkload}: the members' prepared answers, and a judge that
 * answers a synthesize request with the whole object and a vote's resolve request with one candidate per
 * disputed field, read from the schema the engine sent. Latency and usage follow a stated model (below),
 * so both strategies pay for exactly what they send and receive. Thread-safe (stateless scripts over an
 * immutable workload).
 *
 * <h2>Usage model</h2>
 * Tokens of a text: {@code ceil(chars / 4)} (the sandbox's own rule). Input = tokens of everything the
 * model reads (system prompt and every message) + tokens of the {@code response_format} schema, which
 * providers also bill; output = tokens of the answer.
 *
 * <h2>Latency model</h2>
 * Members: {@value #MEMBER_MIN_MS}–{@value #MEMBER_MAX_MS} ms, uniform, seeded per (ask, member), so a
 * member takes the same time for an ask under either strategy. Judge (a slower flagship):
 * {@value #JUDGE_FIRST_MS} ms + {@value #JUDGE_US_PER_INPUT_TOKEN} µs per input token (prefill) +
 * {@value #JUDGE_MS_PER_OUTPUT_TOKEN} ms per output token (≈ 80 tokens/s), ±10 % seeded jitter.
 */
final class ExtractionScripts {

    static final String PROVIDER = "s";
    static final List<String> MEMBERS = List.of("bench-mini-a", "bench-mini-b", "bench-mini-c");
    static final String JUDGE = "bench-judge-pro";

    static final long MEMBER_MIN_MS = 300;
    static final long MEMBER_MAX_MS = 800;
    static final long JUDGE_FIRST_MS = 500;
    static final long JUDGE_US_PER_INPUT_TOKEN = 200;
    static final long JUDGE_MS_PER_OUTPUT_TOKEN = 12;

    /**
     * Benchmark prices, USD per million tokens (input / output), set 2026-12-01 for this benchmark only.
     * The model names are fictional; the rates are in the range of small vs flagship models of late 2026.
     */
    static final Price MEMBER_PRICE = Price.of("0.15", "0.60").withSource("benchmark price (fictional model)",
            LocalDate.of(2026, 12, 1));
    static final Price JUDGE_PRICE = Price.of("2.50", "10.00").withSource("benchmark price (fictional model)",
            LocalDate.of(2026, 12, 1));

    private ExtractionScripts() {
    }

    /** The server's behaviour for this workload. */
    static Behaviour behaviour(ExtractionWorkload w) {
        Behaviour.Builder b = Behaviour.builder();
        for (int m = 0; m < MEMBERS.size(); m++) {
            int member = m;
            b.model(MEMBERS.get(m), r -> member(w, member, r));
        }
        b.model(JUDGE, r -> judge(w, r));
        return b.build();
    }

    /** The prices of the models used, keyed as Fusion names them ({@code s:<model>}). */
    static Map<String, Price> prices() {
        Map<String, Price> p = new java.util.LinkedHashMap<>();
        MEMBERS.forEach(m -> p.put(PROVIDER + ":" + m, MEMBER_PRICE));
        p.put(PROVIDER + ":" + JUDGE, JUDGE_PRICE);
        return p;
    }

    static Reply member(ExtractionWorkload w, int member, WireRequest r) {
        int i = w.indexIn(r.firstUserText());
        if (i < 0 || r.outputMode() != OutputMode.JSON_SCHEMA) {
            return Reply.fault(Fault.http(400, "benchmark member: expected a schema request for a bench-doc, got "
                    + r.outputMode()));
        }
        String answer = w.ask(i).answerText(member);
        return Reply.text(answer).latencyMillis(memberMs(w, i, member)).usage(usage(r, answer));
    }

    /** The scripted latency of member {@code member}'s answer to ask {@code ask}. */
    static long memberMs(ExtractionWorkload w, int ask, int member) {
        Random rnd = new Random(w.seed() * 7_919L + ask * 31L + member);
        return MEMBER_MIN_MS + rnd.nextInt((int) (MEMBER_MAX_MS - MEMBER_MIN_MS + 1));
    }

    /** The scripted latency of the judge's answer to ask {@code ask} (a resolve or a synthesize call) with this usage. */
    static long judgeMs(ExtractionWorkload w, int ask, boolean resolve, Usage u) {
        Random rnd = new Random(w.seed() * 104_729L + ask * 2L + (resolve ? 1 : 0));
        double jitter = 0.9 + 0.2 * rnd.nextDouble();
        return Math.round(jitter * (JUDGE_FIRST_MS + u.input() * JUDGE_US_PER_INPUT_TOKEN / 1000.0
                + u.output() * JUDGE_MS_PER_OUTPUT_TOKEN));
    }

    static Reply judge(ExtractionWorkload w, WireRequest r) {
        int i = w.indexIn(r.promptText());
        if (i < 0 || r.outputMode() != OutputMode.JSON_SCHEMA) {
            return Reply.fault(Fault.http(400, "benchmark judge: expected a schema request quoting a bench-doc, got "
                    + r.outputMode()));
        }
        ExtractionWorkload.Ask ask = w.ask(i);
        JsonNode schema = ExtractionWorkload.parse(r.schema());
        boolean resolve = isDisputeSchema(schema);
        String answer = resolve ? resolveAnswer(ask, schema) : ask.truth().toString();
        Usage u = usage(r, answer);
        return Reply.text(answer).latencyMillis(judgeMs(w, i, resolve, u)).usage(u);
    }

    /** A vote's dispute schema names its properties by JSON Pointer ("/total"); the full schema does not. */
    static boolean isDisputeSchema(JsonNode schema) {
        Iterator<String> names = schema.path("properties").fieldNames();
        return names.hasNext() && names.next().startsWith("/");
    }

    /**
     * The judge's settlement: for each disputed pointer in the engine's schema, the true value if it is one of
     * the candidates (the flagship reads the document), else the first candidate.
     */
    static String resolveAnswer(ExtractionWorkload.Ask ask, JsonNode disputeSchema) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        disputeSchema.path("properties").fields().forEachRemaining(e -> {
            JsonNode candidates = e.getValue().path("enum");
            JsonNode truth = ask.truthAt(e.getKey());
            JsonNode pick = null;
            for (JsonNode c : candidates) {
                if (sameValue(c, truth)) {
                    pick = c;
                }
            }
            if (pick == null && !candidates.isEmpty()) {
                pick = candidates.get(0);
            }
            if (pick != null) {
                out.set(e.getKey(), pick);
            }
        });
        return out.toString();
    }

    /** JSON equality with numbers compared numerically (1 == 1.0). */
    static boolean sameValue(JsonNode a, JsonNode b) {
        if (a != null && b != null && a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a != null && a.equals(b);
    }

    static Usage usage(WireRequest r, String answer) {
        return Usage.of(tokens(r.promptText()) + (r.schema() == null ? 0 : tokens(r.schema())), tokens(answer));
    }

    static long tokens(String text) {
        return Math.max(1, (text.codePointCount(0, text.length()) + 3) / 4);
    }

}
