package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.structured.StructuredSchema;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The sandbox's structured answers: schema-valid JSON derived from the prompt, deterministic per persona
 * and prompt, with no model behind it (fictional, like every sandbox answer).
 *
 * <p>A common answer is built from the prompt: a string field takes the words after its name in the prompt
 * ({@code "Customer: Ada Lovelace"} gives {@code customer = "Ada Lovelace"}) or else a run of the prompt's
 * words; an enum takes the value the prompt mentions, or one picked by hash; a number takes a number from
 * the prompt (the one after the field's name if there is one), clamped to the schema's bounds; booleans are
 * true when the prompt mentions the field. Then each persona departs from it on some fields, chosen by a
 * hash of the prompt and the field's pointer: about 60% of leaves are left alone, about 20% are changed by
 * the contrarian alone (a majority remains), about 20% by the contrarian and the scholar in different ways
 * (no strict majority in a panel of three or four: the judge's turn). The scholar writes agreed strings in
 * Title Case and the terse persona writes decimals with one more zero, so the vote's normalisation is
 * exercised too. The judge never departs; asked about disputed fields (properties named by JSON Pointer,
 * each an {@code enum} of candidates) it picks the first candidate, the best supported.
 *
 * <p>Every answer is checked against the schema; a departure that would be invalid is dropped. Keywords the
 * generator does not follow ({@code pattern}, {@code not}, {@code if}) may make the common answer invalid:
 * then it is returned anyway, as a real model's mistake would be. Stateless, thread-safe.
 */
public final class SchemaAnswers {

    /** How a persona departs from the common answer. */
    public enum Voice { COMMON, SWIFT, SCHOLAR, CONTRARIAN, TERSE, JUDGE }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern WORD = Pattern.compile("[\\p{L}][\\p{L}\\p{N}'-]*");
    private static final Pattern NUMBER = Pattern.compile("(?<![\\w-])-?\\d+(?:\\.\\d+)?");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern EMAIL = Pattern.compile("[\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+");
    private static final Set<String> STOP = Set.of("the", "and", "for", "with", "that", "this", "from", "are", "was",
            "were", "has", "have", "had", "you", "your", "our", "its", "his", "her", "their", "into", "about", "not",
            "but", "all", "any", "can", "will", "would", "should", "json", "schema", "extract", "return", "answer");
    private static final int MAX_PROMPT = 20_000;

    private SchemaAnswers() {
    }

    /**
     * The schema in a JSON-mode request's system prompt: the first JSON object there that has
     * {@code properties} or {@code type}, or null.
     */
    public static String schemaInText(String system) {
        if (system == null) {
            return null;
        }
        String text = system.length() > MAX_PROMPT ? system.substring(0, MAX_PROMPT) : system;
        for (int at = text.indexOf('{'), tries = 0; at >= 0 && tries < 50; at = text.indexOf('{', at + 1), tries++) {
            try (JsonParser p = JSON.createParser(text.substring(at))) {
                JsonNode n = JSON.readTree(p);
                if (n != null && n.isObject() && (n.has("properties") || n.has("type"))) {
                    return n.toString();
                }
            } catch (java.io.IOException | RuntimeException e) {
                // not a JSON object starting here; try the next brace
            }
        }
        return null;
    }

    /** Where prompts start stating a JSON answer format in words (Spring AI's format instructions, Fusion's). */
    private static final List<String> FORMAT_MARKERS = List.of("your response should be in json format",
            "answer with json only", "here is the json schema", "respond with json", "answer with one json object");

    /**
     * The JSON Schema a prompt asks the answer to follow, in its words ("... valid against this JSON Schema:
     * {...}", Spring AI's "Here is the JSON Schema instance your output must adhere to"), or null: the prompt
     * must say "JSON" and "schema" and hold a JSON object with {@code properties} or {@code type}.
     */
    public static String schemaAskedFor(String text) {
        if (text == null) {
            return null;
        }
        String l = text.toLowerCase(Locale.ROOT);
        return l.contains("json") && l.contains("schema") ? schemaInText(text) : null;
    }

    /** The prompt without the answer-format instructions and schema it states (the question alone). */
    public static String withoutSchema(String text) {
        if (text == null) {
            return "";
        }
        String l = text.toLowerCase(Locale.ROOT);
        int cut = text.length();
        for (String m : FORMAT_MARKERS) {
            int at = l.indexOf(m);
            if (at >= 0) {
                cut = Math.min(cut, at);
            }
        }
        int schema = l.indexOf("json schema");
        if (schema >= 0 && schema < cut) {
            int line = text.lastIndexOf('\n', schema);
            cut = Math.min(cut, line < 0 ? schema : line);
        }
        return text.substring(0, cut).strip();
    }

    /** The answer text of a persona to a prompt under a schema (compact JSON). */
    public static String answer(String schemaJson, String prompt, Voice voice) {
        JsonNode schema;
        StructuredSchema checked;
        try {
            checked = StructuredSchema.parse(schemaJson);
            schema = checked.node();
        } catch (InvalidConfigurationException e) {
            // an unusable schema: answer with a JSON note, as a model might
            return "{\"error\":\"the sandbox could not read the schema\"}";
        }
        String p = prompt == null ? "" : prompt.length() > MAX_PROMPT ? prompt.substring(0, MAX_PROMPT) : prompt;
        Generator common = new Generator(schema, p, Voice.COMMON);
        JsonNode base = common.value(schema, "", "");
        if (voice == Voice.COMMON || voice == Voice.SWIFT) {
            return base.toString();
        }
        JsonNode mine = new Generator(schema, p, voice).value(schema, "", "");
        return (checked.isValid(mine) ? mine : base).toString();
    }

    /** Builds one answer for one voice. */
    private static final class Generator {
        private final JsonNode root;
        private final String prompt;
        private final String lower;
        private final List<String> words = new ArrayList<>();
        private final List<BigDecimal> numbers = new ArrayList<>();
        private final Voice voice;
        private final PromptEvidence evidence;
        /** The index of the array element being written when it is a product the prompt names, else -1. */
        private int item = -1;

        Generator(JsonNode root, String prompt, Voice voice) {
            this.root = root;
            this.prompt = prompt;
            this.lower = prompt.toLowerCase(Locale.ROOT);
            this.voice = voice;
            this.evidence = new PromptEvidence(prompt, afterName("order").map(o -> o.split("\\s+")[0]).orElse(""));
            Matcher w = WORD.matcher(prompt);
            while (w.find()) {
                String s = w.group();
                if (s.length() >= 3 && !STOP.contains(s.toLowerCase(Locale.ROOT))) {
                    words.add(s);
                }
            }
            Matcher n = NUMBER.matcher(prompt);
            while (n.find() && numbers.size() < 100) {
                numbers.add(new BigDecimal(n.group()));
            }
        }

        /** 0 = keep, 1 = first departure, 2 = second departure. */
        private int departure(String ptr) {
            if (voice == Voice.JUDGE || voice == Voice.COMMON || voice == Voice.SWIFT || voice == Voice.TERSE) {
                return 0;
            }
            int h = hash("d|" + ptr) % 100;
            if (voice == Voice.CONTRARIAN) {
                return h >= 60 ? 1 : 0;
            }
            return h >= 80 ? 2 : 0;   // SCHOLAR
        }

        private int hash(String s) {
            CRC32 crc = new CRC32();
            crc.update(prompt.getBytes(StandardCharsets.UTF_8));
            crc.update(s.getBytes(StandardCharsets.UTF_8));
            return (int) (crc.getValue() & 0x7fffffff);
        }

        JsonNode value(JsonNode schema, String ptr, String name) {
            schema = resolve(schema);
            if (schema.has("const")) {
                return schema.get("const").deepCopy();
            }
            if (schema.has("enum") && schema.get("enum").isArray() && !schema.get("enum").isEmpty()) {
                return pickEnum(schema.get("enum"), ptr, name);
            }
            for (String k : List.of("anyOf", "oneOf", "allOf")) {
                if (schema.has(k) && schema.get(k).isArray() && !schema.get(k).isEmpty()) {
                    return value(schema.get(k).get(0), ptr, name);
                }
            }
            switch (type(schema)) {
                case "object": return object(schema, ptr);
                case "array": return array(schema, ptr, name);
                case "integer": return number(schema, ptr, name, true);
                case "number": return number(schema, ptr, name, false);
                case "boolean": return bool(ptr, name);
                case "null": return F.nullNode();
                default: return string(schema, ptr, name);
            }
        }

        private JsonNode resolve(JsonNode schema) {
            for (int hops = 0; hops < 8 && schema.path("$ref").asText("").startsWith("#"); hops++) {
                JsonNode target = root.at(schema.get("$ref").asText().substring(1));
                if (target.isMissingNode()) {
                    break;
                }
                schema = target;
            }
            return schema;
        }

        private static String type(JsonNode schema) {
            JsonNode t = schema.get("type");
            if (t != null && t.isTextual()) {
                return t.asText();
            }
            if (t != null && t.isArray()) {
                for (JsonNode x : t) {
                    if (!x.asText().equals("null")) {
                        return x.asText();
                    }
                }
                return "null";
            }
            return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
        }

        private ObjectNode object(JsonNode schema, String ptr) {
            ObjectNode out = F.objectNode();
            Set<String> required = new HashSet<>();
            schema.path("required").forEach(r -> required.add(r.asText()));
            boolean dispute = false;
            for (Iterator<String> it = schema.path("properties").fieldNames(); it.hasNext(); ) {
                dispute |= it.next().startsWith("/");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String child = ptr + "/" + e.getKey().replace("~", "~0").replace("/", "~1");
                if (!required.contains(e.getKey()) && !dispute) {
                    Boolean evident = evident(resolve(e.getValue()), e.getKey());
                    boolean given;
                    if (evident != null) {
                        // a value the prompt states (or plainly does not): every reader agrees whether to give it
                        given = evident;
                    } else {
                        // optional fields: most are given; the contrarian leaves out some others give
                        given = hash("o|" + child) % 5 != 0;
                        if (voice == Voice.CONTRARIAN && departure(child) == 1 && hash("x|" + child) % 2 == 0) {
                            given = !given;
                        }
                    }
                    if (!given) {
                        continue;
                    }
                }
                out.set(e.getKey(), value(e.getValue(), child, e.getKey()));
            }
            return out;
        }

        private ArrayNode array(JsonNode schema, String ptr, String name) {
            int min = schema.path("minItems").asInt(0);
            int max = schema.has("maxItems") ? schema.get("maxItems").asInt() : Math.max(min, 3);
            int length = Math.max(min, Math.min(max, 1 + hash("n|" + ptr) % 3));
            JsonNode items = schema.has("items") ? schema.get("items") : F.objectNode();
            boolean scalar = !type(resolve(items)).equals("object") && !type(resolve(items)).equals("array");
            if (!scalar && productItems(resolve(items))) {
                // one element per product code the prompt names, in order
                List<PromptEvidence.Product> products = evidence.products();
                ArrayNode out = F.arrayNode();
                int n = Math.max(min, Math.min(max, products.size()));
                for (int i = 0; i < n; i++) {
                    item = i < products.size() ? i : -1;
                    out.add(value(items, ptr + "/" + i, name + " " + i));
                }
                item = -1;
                return out;
            }
            if (scalar && isTags(name) && type(resolve(items)).equals("string")) {
                List<String> tags = evidence.tags();
                if (!tags.isEmpty()) {
                    int n = Math.max(min, Math.min(max, tags.size()));
                    if (voice == Voice.CONTRARIAN && n > Math.max(1, min)) {
                        n--;   // a reader who tags less
                    }
                    ArrayNode out = F.arrayNode();
                    for (int i = 0; i < n; i++) {
                        out.add(i < tags.size() ? clip(tags.get(i), resolve(items)) : string(resolve(items), ptr + "/" + i, name));
                    }
                    return out;
                }
            }
            if (scalar && departure(ptr) > 0) {
                length = length > min ? length - 1 : Math.min(max, length + 1);
            }
            ArrayNode out = F.arrayNode();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < length * 3 && out.size() < length; i++) {
                // scalar elements differ by index; elements of objects are voted field by field under /i
                JsonNode v = value(items, ptr + "/" + (scalar ? i : out.size()), name + " " + i);
                if (!schema.path("uniqueItems").asBoolean(false) || seen.add(v.toString())) {
                    out.add(v);
                }
            }
            return out;
        }

        private JsonNode pickEnum(JsonNode values, String ptr, String name) {
            int index = -1;
            if (ptr.lastIndexOf('/') >= 0 && name.startsWith("/")) {
                index = 0;   // the judge's dispute schema: the first candidate is the best supported
            }
            if (index < 0) {
                List<String> texts = new ArrayList<>();
                values.forEach(v -> texts.add(v.asText()));
                String read = null;
                if (PromptEvidence.isSentimentScale(texts)) {
                    // the tone; a contrarian reader hears a polite complaint as neutral
                    int shift = voice == Voice.CONTRARIAN && evidence.polite() && evidence.tone() < 0 ? 1 : 0;
                    read = evidence.sentiment(texts, shift);
                } else if (values.get(0).isTextual()) {
                    read = evidence.topic(texts);
                }
                if (read != null) {
                    for (int i = 0; i < values.size(); i++) {
                        if (values.get(i).asText().equals(read)) {
                            return values.get(i).deepCopy();
                        }
                    }
                }
            }
            for (int i = 0; i < values.size() && index < 0; i++) {
                if (values.get(i).isTextual() && evidence.mentions(values.get(i).asText())) {
                    index = i;
                }
            }
            if (index < 0) {
                index = hash("e|" + ptr) % values.size();
            }
            int d = departure(ptr);
            return values.get((index + d) % values.size()).deepCopy();
        }

        private JsonNode number(JsonNode schema, String ptr, String name, boolean integer) {
            BigDecimal v = afterName(name).flatMap(this::firstNumber).orElse(null);
            String n = name.toLowerCase(Locale.ROOT);
            if (v == null && !n.isEmpty() && !n.startsWith("/")) {
                // "Priority 5": the field's name right before a number
                Matcher stated = Pattern.compile("(?<![\\p{L}])" + Pattern.quote(n.replace('_', ' '))
                        + "\\s*[:=]?\\s*(-?\\d+(?:\\.\\d+)?)\\b").matcher(lower);
                if (stated.find()) {
                    v = new BigDecimal(stated.group(1));
                }
            }
            if (v != null && (n.contains("priority") || n.contains("urgency") || n.contains("severity"))) {
                return integer ? F.numberNode(v.setScale(0, RoundingMode.HALF_UP).toBigInteger()) : F.numberNode(v);
            }
            if (item >= 0 && (n.startsWith("quantity") || n.startsWith("qty") || n.startsWith("count"))) {
                return F.numberNode(evidence.products().get(item).quantity());
            }
            if (v == null && (n.contains("priority") || n.contains("urgency") || n.contains("severity"))
                    && schema.has("minimum") && schema.has("maximum")) {
                long min = schema.get("minimum").asLong();
                long max = schema.get("maximum").asLong();
                long p = evidence.priority(min, max);
                // readers weigh urgency differently: the contrarian escalates, the scholar says it can wait a day
                if (voice == Voice.CONTRARIAN) {
                    p = p < max ? p + 1 : p - 1;
                } else if (voice == Voice.SCHOLAR) {
                    p = p > min ? p - 1 : p + 1;
                }
                p = Math.max(min, Math.min(max, p));
                return integer ? F.numberNode(p) : F.numberNode(BigDecimal.valueOf(p));
            }
            if (v == null) {
                v = numbers.isEmpty() ? BigDecimal.valueOf(1 + hash("v|" + ptr) % 9)
                        : numbers.get(hash("v|" + ptr) % numbers.size());
            }
            v = v.add(BigDecimal.valueOf(departure(ptr)));
            BigDecimal min = schema.has("minimum") ? schema.get("minimum").decimalValue() : null;
            BigDecimal max = schema.has("maximum") ? schema.get("maximum").decimalValue() : null;
            if (schema.has("exclusiveMinimum") && schema.get("exclusiveMinimum").isNumber()) {
                min = schema.get("exclusiveMinimum").decimalValue().add(BigDecimal.ONE);
            }
            if (schema.has("exclusiveMaximum") && schema.get("exclusiveMaximum").isNumber()) {
                max = schema.get("exclusiveMaximum").decimalValue().subtract(BigDecimal.ONE);
            }
            if (max != null && v.compareTo(max) > 0) {
                v = max.subtract(BigDecimal.valueOf(departure(ptr)));
            }
            if (min != null && v.compareTo(min) < 0) {
                v = min.add(BigDecimal.valueOf(departure(ptr)));
            }
            if (integer) {
                v = v.setScale(0, RoundingMode.HALF_UP);
                return F.numberNode(v.toBigInteger());
            }
            if (voice == Voice.TERSE && v.scale() >= 0) {
                v = v.setScale(v.scale() + 1, RoundingMode.UNNECESSARY);
            }
            return F.numberNode(v);
        }

        private java.util.Optional<BigDecimal> firstNumber(String s) {
            Matcher m = NUMBER.matcher(s);
            return m.find() ? java.util.Optional.of(new BigDecimal(m.group())) : java.util.Optional.empty();
        }

        private JsonNode bool(String ptr, String name) {
            List<String> topic = nameWords(name);
            if (!topic.isEmpty()) {
                // "refund_requested": does the prompt talk about a refund? Every reader sees that alike.
                return F.booleanNode(topic.stream().anyMatch(w -> lower.contains(w)));
            }
            boolean v = !name.isEmpty() && lower.contains(name.toLowerCase(Locale.ROOT)) || hash("b|" + ptr) % 2 == 0;
            return F.booleanNode(departure(ptr) > 0 != v);
        }

        /** The words of a field name that say what it is about ("refund_requested" → refund). */
        private static List<String> nameWords(String name) {
            List<String> out = new ArrayList<>();
            if (name.isEmpty() || name.startsWith("/")) {
                return out;
            }
            for (String w : name.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).split("[^a-z]+")) {
                if (w.length() >= 4 && !Set.of("requested", "request", "wants", "needs", "flag", "true", "false",
                        "value", "enabled", "required").contains(w)) {
                    out.add(w.endsWith("s") && w.length() > 4 ? w.substring(0, w.length() - 1) : w);
                }
            }
            return out;
        }

        /** An array of objects with a product-code field (sku, product_code, ...). */
        private boolean productItems(JsonNode items) {
            if (evidence.products().isEmpty() && !items.path("properties").isObject()) {
                return false;
            }
            for (Iterator<String> it = items.path("properties").fieldNames(); it.hasNext(); ) {
                if (isSku(it.next())) {
                    return true;
                }
            }
            return false;
        }

        private static boolean isSku(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.equals("sku") || n.contains("product_code") || n.contains("productcode")
                    || n.equals("product_id") || n.equals("item_code");
        }

        private static boolean isPersonName(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.equals("customer") || n.equals("name") || n.equals("customer_name") || n.equals("customername")
                    || n.equals("full_name") || n.equals("fullname") || n.equals("author") || n.equals("sender");
        }

        private static boolean isTags(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.equals("tags") || n.equals("keywords") || n.equals("labels") || n.equals("topics");
        }

        private static boolean isSummary(String name) {
            String n = name.toLowerCase(Locale.ROOT);
            return n.equals("summary") || n.equals("description") || n.equals("gist") || n.equals("note")
                    || n.equals("notes") || n.equals("synopsis");
        }

        /**
         * Whether an optional field should be given, when the prompt decides it: an e-mail address only when the
         * prompt has one, an order number only when it names one; null when the prompt does not decide.
         */
        private Boolean evident(JsonNode schema, String name) {
            String n = name.toLowerCase(Locale.ROOT);
            if (schema.path("format").asText("").equals("email") || n.equals("email") || n.equals("e_mail")) {
                return EMAIL.matcher(prompt).find();
            }
            if (n.startsWith("order")) {
                return afterName(name).isPresent() || afterName("order").isPresent();
            }
            if (isSummary(n) || isTags(n)) {
                return true;
            }
            if (item >= 0 && (n.startsWith("quantity") || n.startsWith("qty") || n.startsWith("count"))) {
                return true;
            }
            return null;
        }

        private static JsonNode clip(String v, JsonNode schema) {
            int max = schema.has("maxLength") ? schema.get("maxLength").asInt() : Integer.MAX_VALUE;
            return F.textNode(v.length() > max ? v.substring(0, max).strip() : v);
        }

        private JsonNode string(JsonNode schema, String ptr, String name) {
            String format = schema.path("format").asText("");
            String v = switch (format) {
                case "date" -> find(DATE, "2026-01-15");
                case "date-time" -> find(DATE, "2026-01-15") + "T09:30:00Z";
                case "email" -> find(EMAIL, "someone@example.com");
                case "uri", "url" -> "https://example.com/" + slug(ptr);
                case "uuid" -> new java.util.UUID(hash("u1|" + ptr), hash("u2|" + ptr)).toString();
                default -> null;
            };
            int d = departure(ptr);
            boolean read = v != null;   // a value read from the prompt as written: not respelled
            if (v == null && item >= 0 && isSku(name)) {
                v = evidence.products().get(item).sku();
                d = 0;
            } else if (v == null && isSummary(name)) {
                // the sentence that sums the message up; the contrarian picks another one
                v = evidence.summary(voice == Voice.CONTRARIAN ? 1 : 0);
                d = 0;
            } else if (v == null && name.toLowerCase(Locale.ROOT).startsWith("order")) {
                v = afterName(name).or(() -> afterName("order")).map(o -> o.split("\\s+")[0]).orElse(null);
                if (v != null) {
                    d = 0;
                }
            }
            read |= v != null;
            if (v == null && isPersonName(name)) {
                v = afterName(name).orElse(evidence.selfNamed());
                read = false;
            }
            if (v == null) {
                v = d == 0 ? afterName(name).orElse(null) : null;
                if (v == null || v.isBlank()) {
                    v = words(ptr, d);
                }
                if (d == 0 && voice == Voice.SCHOLAR && !read && v.length() <= 40) {
                    v = titleCase(v);
                }
            }
            int min = schema.path("minLength").asInt(0);
            int max = schema.has("maxLength") ? schema.get("maxLength").asInt() : Integer.MAX_VALUE;
            while (v.length() < min) {
                v = v + " " + words(ptr + v.length(), 0);
            }
            if (v.length() > max) {
                int cut = v.lastIndexOf(' ', max);
                v = (cut > max / 2 ? v.substring(0, cut) : v.substring(0, max)).strip();
                while (v.length() < min) {
                    v = v + "x";
                }
            }
            return F.textNode(v);
        }

        private String find(Pattern p, String fallback) {
            Matcher m = p.matcher(prompt);
            return m.find() ? m.group() : fallback;
        }

        /** The words after "Name:" or "name is" in the prompt, up to the end of the line or sentence. */
        private java.util.Optional<String> afterName(String name) {
            if (name.isEmpty() || name.startsWith("/")) {
                return java.util.Optional.empty();
            }
            String full = name.replace('_', ' ').replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(Locale.ROOT).strip();
            int space = full.indexOf(' ');
            for (String label : space > 0 ? List.of(full, full.substring(0, space)) : List.of(full))
            for (String sep : List.of(":", " is ", " =")) {
                int at = lower.indexOf(label + sep);
                if (at >= 0) {
                    String rest = prompt.substring(at + label.length() + sep.length());
                    Matcher end = Pattern.compile("[\\n;!?(]|[.,]\\s|\\.$").matcher(rest);
                    String v = (end.find() ? rest.substring(0, end.start()) : rest).strip();
                    String[] parts = v.split("\\s+");
                    v = String.join(" ", java.util.Arrays.copyOf(parts, Math.min(parts.length, 6))).strip();
                    if (!v.isEmpty()) {
                        return java.util.Optional.of(v);
                    }
                }
            }
            return java.util.Optional.empty();
        }

        private String words(String ptr, int departure) {
            if (words.isEmpty()) {
                return "sandbox " + slug(ptr) + (departure == 0 ? "" : " " + departure);
            }
            int start = (hash("w|" + ptr) + departure * 7) % words.size();
            int count = 1 + hash("c|" + ptr) % 3;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < count && start + i < words.size(); i++) {
                sb.append(i == 0 ? "" : " ").append(words.get(start + i));
            }
            return sb.toString();
        }

        private static String slug(String ptr) {
            String s = ptr.replaceAll("[^A-Za-z0-9]+", "-").replaceAll("^-|-$", "");
            return s.isEmpty() ? "value" : s;
        }

        private static String titleCase(String s) {
            StringBuilder sb = new StringBuilder(s.length());
            boolean start = true;
            for (char c : s.toCharArray()) {
                sb.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
                start = Character.isWhitespace(c);
            }
            return sb.toString();
        }
    }
}
