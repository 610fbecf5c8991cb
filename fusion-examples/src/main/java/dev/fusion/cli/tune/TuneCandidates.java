package dev.fusion.cli.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRef;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code fusion tune} searches, read from a YAML (or JSON) file:
 *
 * <pre>{@code
 * members: [openai:gpt-6-luna, anthropic:claude-haiku-5-5, gemini:gemini-3.5-flash]
 * judges: [anthropic:claude-opus-4-8]
 * strategies: [synthesize, select-best, {name: layered, rounds: 2}]
 * panelSizes: [2, 3]            # default: 2 up to min(4, members)
 * maxOutputTokens: 1024         # optional, per member answer
 * judgeMaxOutputTokens: 2048    # optional
 * grader: {type: rubric, model: openai:gpt-6-luna, rubric: "Correct and complete?"}  # optional default grader
 * }</pre>
 *
 * Unknown keys are refused with the list of known ones; the file is at most 256 KiB, with at most
 * {@value #MAX_MODELS} members and judges each. Immutable.
 *
 * @param members              candidate panel members (also evaluated alone), as {@code provider:model}
 * @param judges               candidate judges (also evaluated alone)
 * @param strategies           candidate strategies with their options, in file order
 * @param panelSizes           the panel sizes to search, ascending
 * @param maxOutputTokens      per member answer, or null for the engine's default
 * @param judgeMaxOutputTokens per judge call, or null for the engine's default
 * @param grader               the dataset's default grader, or null (then each item's {@code grading})
 */
public record TuneCandidates(List<String> members, List<String> judges, List<StrategyChoice> strategies,
                             List<Integer> panelSizes, Integer maxOutputTokens, Integer judgeMaxOutputTokens,
                             Grader grader) {

    /** At most this many members (and judges). */
    public static final int MAX_MODELS = 16;
    /** The candidates file is refused above this size. */
    public static final long MAX_BYTES = 256 * 1024;
    private static final List<String> KEYS = List.of("members", "judges", "strategies", "panelSizes",
            "maxOutputTokens", "judgeMaxOutputTokens", "grader");

    /**
     * One candidate strategy: its name and options as a config file writes them.
     *
     * @param name    the strategy name ({@code synthesize}, {@code select-best}, {@code analyze}, {@code layered}, ...)
     * @param options its options (e.g. {@code rounds: 2}); empty when none
     */
    public record StrategyChoice(String name, Map<String, Object> options) {
        public StrategyChoice {
            options = Map.copyOf(options);
        }

        /** The engine's strategy. */
        public Strategy strategy() {
            return Strategy.parse(name, options);
        }

        /** {@code name} or {@code name(k=v, ...)}, for labels. */
        public String label() {
            if (options.isEmpty()) {
                return name;
            }
            StringBuilder sb = new StringBuilder(name).append('(');
            new java.util.TreeMap<>(options).forEach((k, v) -> sb.append(sb.charAt(sb.length() - 1) == '(' ? "" : ", ")
                    .append(k).append('=').append(v));
            return sb.append(')').toString();
        }
    }

    public TuneCandidates {
        members = List.copyOf(members);
        judges = List.copyOf(judges);
        strategies = List.copyOf(strategies);
        panelSizes = List.copyOf(panelSizes);
    }

    /** Reads and validates a candidates file. */
    public static TuneCandidates load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no such candidates file: " + file);
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IllegalArgumentException("candidates file " + file + " is over " + MAX_BYTES / 1024 + " KiB");
        }
        return parse(Files.readString(file), file.toString());
    }

    /** Parses candidates text (YAML or JSON); {@code source} names it in messages. */
    public static TuneCandidates parse(String text, String source) {
        YAMLFactory f = YAMLFactory.builder().build();
        JsonNode root;
        try {
            root = new YAMLMapper(f).readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": expected keys " + KEYS);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(source + ": unknown key '" + k + "'; the keys are " + KEYS);
            }
        }
        List<String> members = models(root, "members", source, true);
        List<String> judges = models(root, "judges", source, true);
        List<StrategyChoice> strategies = new ArrayList<>();
        JsonNode s = root.get("strategies");
        if (s == null || s.isNull()) {
            strategies.add(new StrategyChoice("synthesize", Map.of()));
        } else {
            if (!s.isArray() || s.isEmpty() || s.size() > 8) {
                throw new IllegalArgumentException(source + ": strategies must be a list of 1 to 8 strategies");
            }
            for (JsonNode n : s) {
                strategies.add(strategy(n, source));
            }
        }
        List<Integer> sizes = new ArrayList<>();
        JsonNode ps = root.get("panelSizes");
        if (ps == null || ps.isNull()) {
            for (int k = 2; k <= Math.min(4, members.size()); k++) {
                sizes.add(k);
            }
        } else {
            if (!ps.isArray() || ps.isEmpty()) {
                throw new IllegalArgumentException(source + ": panelSizes must be a list of numbers, for example [2, 3]");
            }
            Set<Integer> seen = new java.util.TreeSet<>();
            for (JsonNode n : ps) {
                if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > members.size()) {
                    throw new IllegalArgumentException(source + ": panelSizes: each size must be between 1 and the number"
                            + " of members (" + members.size() + "), was " + n);
                }
                seen.add(n.asInt());
            }
            sizes.addAll(seen);
        }
        Grader grader = root.hasNonNull("grader") ? Grader.parse(root.get("grader"), source + ": grader") : null;
        return new TuneCandidates(members, judges, strategies, sizes, positive(root, "maxOutputTokens", source),
                positive(root, "judgeMaxOutputTokens", source), grader);
    }

    private static List<String> models(JsonNode root, String key, String source, boolean required) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            throw new IllegalArgumentException(source + ": '" + key + "' is missing: list provider:model names");
        }
        List<JsonNode> items = new ArrayList<>();
        if (n.isTextual()) {
            items.add(n);
        } else if (n.isArray()) {
            n.forEach(items::add);
        } else {
            throw new IllegalArgumentException(source + ": '" + key + "' must be a list of provider:model names");
        }
        if (items.isEmpty() || items.size() > MAX_MODELS) {
            throw new IllegalArgumentException(source + ": '" + key + "' must list 1 to " + MAX_MODELS + " models");
        }
        Set<String> out = new LinkedHashSet<>();
        for (JsonNode m : items) {
            if (!m.isTextual()) {
                throw new IllegalArgumentException(source + ": '" + key + "': " + m + " is not a provider:model name");
            }
            try {
                ModelRef.parse(m.asText());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(source + ": '" + key + "': " + e.getMessage());
            }
            if (!out.add(m.asText())) {
                throw new IllegalArgumentException(source + ": '" + key + "' lists " + m.asText() + " twice");
            }
        }
        return List.copyOf(out);
    }

    private static StrategyChoice strategy(JsonNode n, String source) {
        String name;
        Map<String, Object> options = new LinkedHashMap<>();
        if (n.isTextual()) {
            name = n.asText();
        } else if (n.isObject() && n.hasNonNull("name")) {
            name = n.get("name").asText();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("name")) {
                    JsonNode v = e.getValue();
                    options.put(e.getKey(), v.isIntegralNumber() ? (Object) v.asInt() : v.isNumber() ? v.asDouble()
                            : v.isBoolean() ? v.asBoolean() : v.asText());
                }
            }
        } else {
            throw new IllegalArgumentException(source + ": a strategy is a name or {name: ..., option: value}, was " + n);
        }
        StrategyChoice c = new StrategyChoice(name, options);
        try {
            c.strategy();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + ": strategy " + c.label() + ": " + e.getMessage());
        }
        return c;
    }

    private static Integer positive(JsonNode root, String key, String source) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber() || n.asInt() < 1 || n.asInt() > 1_000_000) {
            throw new IllegalArgumentException(source + ": " + key + " must be a positive whole number, was " + n);
        }
        return n.asInt();
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }
}
