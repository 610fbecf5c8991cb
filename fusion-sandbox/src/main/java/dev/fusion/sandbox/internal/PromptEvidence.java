package dev.fusion.sandbox.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the sandbox's structured answers read from a prompt the way a reader would, so a field gets a value
 * that makes sense for the message rather than a run of its words: the tone (keywords for anger, politeness,
 * thanks), urgency, product codes with the quantities written before them, what the message is about
 * (keyword tables for common ticket categories), short tags, and the sentence that best sums it up.
 * Deterministic; a heuristic, not understanding: a fictional answer that reads plausibly for the shipped
 * examples. Immutable, thread-safe.
 */
final class PromptEvidence {

    /** A product code and how many the prompt says, with where it stands. */
    record Product(String sku, int quantity) {
    }

    private static final Pattern SKU = Pattern.compile("\\b(?=[A-Z0-9-]*\\d)(?=[A-Z0-9-]*[A-Z])[A-Z]{1,4}-?\\d{1,6}[A-Z]?\\b");
    private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}'-]+");
    private static final Map<String, Integer> NUMBER_WORDS = Map.ofEntries(Map.entry("a", 1), Map.entry("an", 1),
            Map.entry("one", 1), Map.entry("single", 1), Map.entry("two", 2), Map.entry("pair", 2),
            Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5), Map.entry("six", 6),
            Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9), Map.entry("ten", 10),
            Map.entry("dozen", 12), Map.entry("twelve", 12));
    private static final List<String> NEGATIVE = List.of("late", "missing", "broken", "angry", "refund", "disappointed",
            "terrible", "awful", "worst", "unacceptable", "damaged", "wrong", "never", "complain", "complaint",
            "frustrat", "annoy", "useless", "charged twice", "twice", "locked", "cannot", "can't", "still not",
            "again", "defective", "faulty", "not working", "doesn't work", "fix", "problem", "issue", "fail");
    private static final List<String> POSITIVE = List.of("thank", "great", "love", "happy", "excellent", "perfect",
            "pleased", "awesome", "wonderful", "glad", "delighted", "works well", "well done");
    private static final List<String> URGENT = List.of("urgent", "asap", "immediately", "right now", "emergency",
            "critical", "today");
    private static final List<String> POLITE = List.of("please", "thank", "kindly", "appreciate");
    /** Keywords per category-like enum value. */
    private static final Map<String, List<String>> TOPICS = Map.of(
            "delivery", List.of("late", "arrived", "delivery", "deliver", "shipping", "shipped", "package", "parcel",
                    "courier", "tracking", "missing", "box"),
            "billing", List.of("invoice", "charged", "charge", "payment", "billing", "billed", "bill", "price",
                    "overcharged", "receipt"),
            "defect", List.of("broken", "defective", "faulty", "damaged", "cracked", "not working", "doesn't work",
                    "stopped working", "dead"),
            "account", List.of("account", "login", "log in", "password", "locked", "sign in", "username", "2fa"),
            "shipping", List.of("late", "arrived", "delivery", "shipping", "package", "parcel", "courier", "tracking"),
            "technical", List.of("error", "crash", "bug", "not working", "fails", "exception", "broken"));
    private static final Map<String, List<String>> TAGS = new LinkedHashMap<>();

    static {
        TAGS.put("late delivery", List.of("late", "delay"));
        TAGS.put("missing items", List.of("missing", "not in the box", "didn't arrive"));
        TAGS.put("refund", List.of("refund", "money back"));
        TAGS.put("repeat issue", List.of("second time", "second late", "again", "another time", "once more"));
        TAGS.put("billing", List.of("invoice", "charged", "billing"));
        TAGS.put("account access", List.of("locked", "log in", "login", "password"));
        TAGS.put("defect", List.of("broken", "defective", "faulty", "damaged"));
        TAGS.put("urgent", List.of("urgent", "asap", "immediately"));
        TAGS.put("praise", List.of("thank", "great", "love", "excellent", "perfect"));
    }

    private final String prompt;
    private final String lower;
    private final List<Product> products;

    PromptEvidence(String prompt, String orderId) {
        this.prompt = prompt;
        this.lower = prompt.toLowerCase(Locale.ROOT);
        this.products = products(prompt, orderId);
    }

    /** True when the lower-case prompt holds {@code word} as a whole word (or phrase). */
    boolean mentions(String word) {
        String w = word.toLowerCase(Locale.ROOT);
        if (w.isBlank()) {
            return false;
        }
        return Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(w) + "(?![\\p{L}\\p{N}])").matcher(lower).find();
    }

    private int count(List<String> keys) {
        int n = 0;
        for (String k : keys) {
            if (has(lower, k)) {
                n++;
            }
        }
        return n;
    }

    private static final Map<String, Pattern> KEY_PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether lower-case {@code text} holds keyword {@code key} as a word, or a word it starts with an ending of
     * up to three letters ("thank" in "thanks", "fail" in "failed"): "love" is not in "Lovelace".
     */
    static boolean has(String text, String key) {
        Pattern p = KEY_PATTERNS.computeIfAbsent(key, k -> Pattern.compile(
                "(?<![\\p{L}\\p{N}])" + Pattern.quote(k) + "\\p{L}{0,3}(?![\\p{L}\\p{N}])"));
        return p.matcher(text).find();
    }

    /** -1 negative, 0 neutral, 1 positive: keyword counts, a clear lead needed. */
    int tone() {
        int neg = count(NEGATIVE);
        int pos = count(POSITIVE);
        if (neg >= pos + 1 && neg >= 1) {
            return -1;
        }
        return pos >= neg + 1 ? 1 : 0;
    }

    boolean polite() {
        return count(POLITE) > 0;
    }

    boolean urgent() {
        return count(URGENT) > 0;
    }

    /** The sentiment-like enum value for the tone, when the enum has one (positive / neutral / negative). */
    String sentiment(List<String> values, int toneShift) {
        int tone = Math.max(-1, Math.min(1, tone() + toneShift));
        List<String> wanted = tone < 0 ? List.of("negative", "angry", "upset", "frustrated", "bad")
                : tone > 0 ? List.of("positive", "happy", "satisfied", "good") : List.of("neutral", "mixed", "calm");
        for (String w : wanted) {
            for (String v : values) {
                if (v.equalsIgnoreCase(w)) {
                    return v;
                }
            }
        }
        return null;
    }

    /** True when an enum's values read as a sentiment scale. */
    static boolean isSentimentScale(List<String> values) {
        long hits = values.stream().map(v -> v.toLowerCase(Locale.ROOT))
                .filter(v -> List.of("positive", "negative", "neutral").contains(v)).count();
        return hits >= 2;
    }

    /**
     * The enum value the prompt supports best: two points when the value itself is written as a word, one per
     * keyword of its topic; null when nothing supports any value.
     */
    String topic(List<String> values) {
        String best = null;
        int bestScore = 0;
        for (String v : values) {
            int score = mentions(v) ? 2 : 0;
            score += count(TOPICS.getOrDefault(v.toLowerCase(Locale.ROOT), List.of()));
            if (score > bestScore) {
                best = v;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * A priority on {@code [min, max]}: the middle, one up for a negative tone, one up when urgent, one down
     * for a positive tone.
     */
    long priority(long min, long max) {
        long v = Math.round((min + max) / 2.0);
        int tone = tone();
        if (tone < 0) {
            v++;
        } else if (tone > 0) {
            v--;
        }
        if (urgent()) {
            v++;
        }
        return Math.max(min, Math.min(max, v));
    }

    List<Product> products() {
        return products;
    }

    /** Short tags for what the message is about, in table order; empty when none apply. */
    List<String> tags() {
        List<String> out = new ArrayList<>();
        TAGS.forEach((tag, keys) -> {
            if (count(keys) > 0) {
                out.add(tag);
            }
        });
        return out;
    }

    /**
     * The sentence that best sums the message up: the one with the most tone and topic keywords (the earliest
     * on ties), told in the third person; {@code rank} 1 is the runner-up (a second reader's choice).
     */
    String summary(int rank) {
        List<String> sentences = new ArrayList<>();
        for (String s : Text.sentences(prompt)) {
            if (s.length() >= 20 && !s.matches("(?s)^[\\p{L} ]{1,20}:.*") && !s.contains("{")) {
                sentences.add(s);
            }
        }
        if (sentences.isEmpty()) {
            return null;
        }
        List<String> ranked = new ArrayList<>(sentences);
        ranked.sort((a, b) -> Integer.compare(score(b), score(a)));
        String s = ranked.get(Math.min(rank, ranked.size() - 1));
        return thirdPerson(s);
    }

    private static int score(String sentence) {
        String l = sentence.toLowerCase(Locale.ROOT);
        int n = 0;
        for (List<String> keys : List.of(NEGATIVE, POSITIVE, URGENT)) {
            for (String k : keys) {
                n += has(l, k) ? 1 : 0;
            }
        }
        for (List<String> keys : TOPICS.values()) {
            for (String k : keys) {
                n += has(l, k) ? 1 : 0;
            }
        }
        return n;
    }

    private static String thirdPerson(String s) {
        String t = s.replaceAll("^My ", "The customer's ").replaceAll("^I ", "The customer ")
                .replaceAll("\\bI want\\b", "the customer wants").replaceAll("\\bI am\\b", "the customer is")
                .replaceAll("\\bI'm\\b", "they're").replaceAll("\\bI\\b", "they")
                .replaceAll("\\bmy\\b", "their").replaceAll("\\bme\\b", "them").replaceAll(",?\\s*please\\.?$", ".");
        return t.endsWith(".") || t.endsWith("!") || t.endsWith("?") ? t : t + ".";
    }

    private static final Pattern SELF_NAMED = Pattern.compile(
            "(?:I'm|I am|[Mm]y name is|[Tt]his is)\\s+(\\p{Lu}\\p{Ll}+(?:\\s+\\p{Lu}\\p{Ll}+)?)");

    /** The name a writer gives themselves ("I'm Linus", "my name is Ada Lovelace"), or null. */
    String selfNamed() {
        Matcher m = SELF_NAMED.matcher(prompt);
        return m.find() ? m.group(1) : null;
    }

    /** Product codes (letters then digits, like KB-201) other than the order number, with their quantities. */
    private static List<Product> products(String prompt, String orderId) {
        List<Product> out = new ArrayList<>();
        Matcher m = SKU.matcher(prompt);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find() && out.size() < 20) {
            String sku = m.group();
            String before = prompt.substring(Math.max(0, m.start() - 12), m.start()).toLowerCase(Locale.ROOT);
            if (sku.equals(orderId) || before.contains("order") || !seen.add(sku)) {
                continue;
            }
            out.add(new Product(sku, quantityBefore(prompt.substring(Math.max(0, m.start() - 40), m.start()))));
        }
        return out;
    }

    /** The number written in the (up to) three words before a product code, else 1. */
    private static int quantityBefore(String text) {
        List<String> words = new ArrayList<>();
        Matcher w = WORD.matcher(text.toLowerCase(Locale.ROOT));
        while (w.find()) {
            words.add(w.group());
        }
        for (int i = words.size() - 1; i >= Math.max(0, words.size() - 3); i--) {
            String x = words.get(i);
            if (x.matches("\\d{1,4}")) {
                return Math.max(1, Integer.parseInt(x));
            }
            if (NUMBER_WORDS.containsKey(x) && !x.equals("a") && !x.equals("an")) {
                return NUMBER_WORDS.get(x);
            }
        }
        return 1;
    }
}
