package dev.fusion.providers.config;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.fusion.InvalidConfigurationException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a {@link FusionSpec} from a file or text, bounded before and while parsing, and turns every
 * problem into one line naming the key, what is wrong and where (line and column). Internal; the
 * public entry points are {@link FusionConfig#load} and {@link FusionConfig#parse}.
 *
 * <p>Limits (a hostile config fails fast with {@link InvalidConfigurationException} naming the limit):
 * the file at most {@value #MAX_FILE_BYTES} bytes, checked before it is read and again while reading;
 * the text at most {@value #MAX_CODE_POINTS} code points (SnakeYAML's own limit); one string at most
 * {@value #MAX_STRING_CHARS} characters, one number at most {@value #MAX_NUMBER_CHARS} digits and
 * nesting at most {@value #MAX_DEPTH} levels (Jackson's {@link StreamReadConstraints}, enforced by the
 * parser as it reads); YAML anchors and aliases are refused (an alias bomb cannot expand).
 */
final class SpecReader {
    /** Largest config file: 1 MiB. */
    static final int MAX_FILE_BYTES = 1 << 20;
    /** Largest config text, in code points. */
    static final int MAX_CODE_POINTS = 1 << 20;
    /** Longest single string value or key. */
    static final int MAX_STRING_CHARS = 64 * 1024;
    /** Longest number, in characters. */
    static final int MAX_NUMBER_CHARS = 100;
    /** Deepest nesting of lists and mappings. */
    static final int MAX_DEPTH = 16;

    private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
            .maxStringLength(MAX_STRING_CHARS)
            .maxNameLength(MAX_STRING_CHARS)
            .maxNumberLength(MAX_NUMBER_CHARS)
            .maxNestingDepth(MAX_DEPTH)
            .maxDocumentLength(MAX_CODE_POINTS)
            .build();

    private static final YAMLFactory YAML_FACTORY = yamlFactory();
    private static final JsonFactory JSON_FACTORY = JsonFactory.builder().streamReadConstraints(LIMITS).build();
    private static final ObjectMapper YAML = mapper(YAML_FACTORY);
    private static final ObjectMapper JSON = mapper(JSON_FACTORY);

    private SpecReader() {
    }

    private static YAMLFactory yamlFactory() {
        LoaderOptions o = new LoaderOptions();
        o.setCodePointLimit(MAX_CODE_POINTS);
        o.setNestingDepthLimit(MAX_DEPTH);
        o.setMaxAliasesForCollections(0);
        o.setAllowDuplicateKeys(true);
        return YAMLFactory.builder().loaderOptions(o).streamReadConstraints(LIMITS).build();
    }

    private static ObjectMapper mapper(JsonFactory f) {
        return new ObjectMapper(f)
                .registerModule(SpecValues.module())
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    // ------------------------------------------------------------------ files

    /** Reads and validates a file; YAML for {@code .yaml}/{@code .yml}, JSON for {@code .json}, else by content. */
    static FusionSpec read(Path file) {
        String text = readBounded(file);
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        FusionConfig.Format f = name.endsWith(".yaml") || name.endsWith(".yml") ? FusionConfig.Format.YAML
                : name.endsWith(".json") ? FusionConfig.Format.JSON : detect(text);
        if (text.isBlank()) {
            throw new InvalidConfigurationException("config file " + file + " is empty; it needs at least panel: and judge:");
        }
        return read(text, f);
    }

    /** The file's text: at most {@link #MAX_FILE_BYTES}, UTF-8, with one clean line for each way it can fail. */
    static String readBounded(Path file) {
        if (Files.isDirectory(file)) {
            throw new InvalidConfigurationException("config file " + file + " is a directory; pass a YAML or JSON file");
        }
        if (!Files.exists(file)) {
            throw new InvalidConfigurationException("config file " + file + " not found");
        }
        byte[] bytes;
        try {
            if (Files.isRegularFile(file) && Files.size(file) > MAX_FILE_BYTES) {
                throw tooLarge(file, Files.size(file));
            }
            try (InputStream in = Files.newInputStream(file)) {
                // Read one byte past the limit: a file that grows, or a pipe, is bounded too.
                bytes = in.readNBytes(MAX_FILE_BYTES + 1);
            }
        } catch (NoSuchFileException e) {
            throw new InvalidConfigurationException("config file " + file + " not found", e);
        } catch (AccessDeniedException e) {
            throw new InvalidConfigurationException("config file " + file + " cannot be read: permission denied", e);
        } catch (IOException e) {
            throw new InvalidConfigurationException("config file " + file + " cannot be read: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : firstLine(e.getMessage())), e);
        }
        if (bytes.length > MAX_FILE_BYTES) {
            throw tooLarge(file, -1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new InvalidConfigurationException("config file " + file + " is not UTF-8 text", e);
        }
    }

    private static InvalidConfigurationException tooLarge(Path file, long size) {
        return new InvalidConfigurationException("config file " + file + (size < 0
                ? " is larger than the limit of " : " is " + size + " bytes; the limit is ") + MAX_FILE_BYTES + " bytes (1 MiB)");
    }

    static FusionConfig.Format detect(String text) {
        String t = text == null ? "" : text.stripLeading();
        return t.startsWith("{") ? FusionConfig.Format.JSON : FusionConfig.Format.YAML;
    }

    // ------------------------------------------------------------------ text

    /** Parses, binds and validates text. */
    static FusionSpec read(String text, FusionConfig.Format format) {
        if (text.length() > MAX_CODE_POINTS) {
            throw new InvalidConfigurationException("the config is " + text.length() + " characters; the limit is "
                    + MAX_CODE_POINTS);
        }
        JsonFactory factory = format == FusionConfig.Format.JSON ? JSON_FACTORY : YAML_FACTORY;
        ObjectMapper mapper = format == FusionConfig.Format.JSON ? JSON : YAML;
        Map<String, Place> where = locate(factory, text, format);
        return bind(() -> mapper.readValue(text, FusionSpec.class), where, format);
    }

    /**
     * Binds and validates a tree that another configuration system already parsed (the Spring Boot
     * starter's {@code fusion.*} properties): the same types, rules and messages as a file, without
     * lines and columns; an empty tree is a spec with no key set (its first missing key is named). The tree
     * is held to the file's limits before it is bound (its source, such as Spring properties, has none):
     * a string or key at most {@value #MAX_STRING_CHARS} characters, a number at most
     * {@value #MAX_NUMBER_CHARS}, nesting at most {@value #MAX_DEPTH} levels and at most
     * {@value #MAX_CODE_POINTS} characters of keys and values in all; a limit crossed names the key.
     */
    static FusionSpec read(JsonNode tree) {
        if (tree == null || !tree.isObject()) {
            throw new InvalidConfigurationException("the config must be a mapping of keys (" + FusionSpec.KEYS + ")");
        }
        long total = bound(tree, "", 1, 0);
        if (total > MAX_CODE_POINTS) {
            throw new InvalidConfigurationException("the config is " + total + " characters; the limit is "
                    + MAX_CODE_POINTS);
        }
        return bind(() -> JSON.treeToValue(tree, FusionSpec.class), Map.of(), FusionConfig.Format.JSON);
    }

    /**
     * Holds a tree to the file's limits, depth first, stopping at the first limit crossed (so a huge tree
     * costs no more than the walk up to that point): returns the characters of keys and values seen so far
     * plus {@code total}, and throws naming the key path of a string, key, number or nesting over its limit.
     */
    private static long bound(JsonNode node, String path, int depth, long total) {
        if (node.isContainerNode()) {
            if (depth > MAX_DEPTH) {
                throw treeLimit(path, "nesting of " + depth + " levels (the limit is " + MAX_DEPTH + ")");
            }
            if (node.isObject()) {
                for (Map.Entry<String, JsonNode> e : node.properties()) {
                    String key = e.getKey();
                    String at = (path.isEmpty() ? "" : path + ".") + SpecValues.shorten(key);
                    if (key.length() > MAX_STRING_CHARS) {
                        throw treeLimit(at, "a key of " + key.length() + " characters (the limit is " + MAX_STRING_CHARS + ")");
                    }
                    total = bound(e.getValue(), at, depth + 1, total + key.length());
                    if (total > MAX_CODE_POINTS) {
                        return total;
                    }
                }
            } else {
                for (int i = 0; i < node.size() && total <= MAX_CODE_POINTS; i++) {
                    total = bound(node.get(i), path + "[" + i + "]", depth + 1, total);
                }
            }
            return total;
        }
        if (node.isNumber()) {
            int length = node.isBigDecimal() ? node.decimalValue().toString().length() : node.asText().length();
            if (length > MAX_NUMBER_CHARS) {
                throw treeLimit(path, "a number of " + length + " characters (the limit is " + MAX_NUMBER_CHARS + ")");
            }
            return total + length;
        }
        if (node.isTextual() || node.isBinary()) {
            int length = node.isTextual() ? node.textValue().length() : node.asText().length();
            if (length > MAX_STRING_CHARS) {
                throw treeLimit(path, "a string of " + length + " characters (the limit is " + MAX_STRING_CHARS + ")");
            }
            return total + length;
        }
        return total + node.asText().length();
    }

    /** A reading limit crossed at a key of a tree: the file's wording, with the key in place of line and column. */
    private static ConfigKeyException treeLimit(String key, String what) {
        String problem = "exceeds a reading limit: " + what;
        return ConfigKeyException.worded(key, problem, "the config exceeds a reading limit: " + what
                + " at config key '" + key + "'", null);
    }

    /** What a binding step does: Jackson's mapper reading a text or a tree. */
    private interface Binding {
        FusionSpec bind() throws IOException;
    }

    /** Binds, turning every binding problem into one message naming the key (and where, when known), then validates. */
    private static FusionSpec bind(Binding binding, Map<String, Place> where, FusionConfig.Format format) {
        FusionSpec spec;
        try {
            spec = binding.bind();
        } catch (UnrecognizedPropertyException e) {
            List<String> path = path(e);
            String key = String.join(".", path);
            String under = String.join(".", path.subList(0, path.size() - 1));
            List<String> valid = e.getReferringClass() != null && e.getReferringClass().isRecord()
                    ? FusionSpec.keysOf(e.getReferringClass().asSubclass(Record.class)) : List.of();
            String validKeys = "valid keys" + (under.isEmpty() ? "" : " under " + under) + ": " + valid;
            ConfigKeyException unknown = ConfigKeyException.worded(key, "is not a config key; " + validKeys,
                    "unknown config key '" + key + "'; " + validKeys, e);
            JsonLocation at = where.containsKey(NAME + key) ? where.get(NAME + key).at() : e.getLocation();
            throw at == null || at.getLineNr() < 1 ? unknown : unknown.at(at.getLineNr(), at.getColumnNr());
        } catch (SpecValues.BadValue e) {
            throw keyError(path(e), e.problem(), e.getLocation(), where, e);
        } catch (MismatchedInputException e) {
            List<String> path = path(e);
            if (path.isEmpty()) {
                throw notAMapping(e);
            }
            Place place = where.get(String.join(".", path));
            String was = place == null ? "a value of another type" : place.was();
            throw keyError(path, "must be " + shape(path) + ", was " + was, e.getLocation(), where, e);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof InvalidConfigurationException ice ? ice : e;
            throw keyError(path(e), firstLine(cause.getMessage()), e.getLocation(), where, e);
        } catch (JsonProcessingException e) {
            throw syntax(e, format);
        } catch (IOException e) {
            throw new InvalidConfigurationException("the config cannot be read: " + firstLine(e.getMessage()), e);
        }
        if (spec == null) {
            throw new InvalidConfigurationException("the config is empty; it needs at least panel: and judge:");
        }
        try {
            return spec.validate();
        } catch (ConfigKeyException e) {
            Place at = where.get(e.key());
            // A key missing inside a list entry (panel[1].model): point at the entry's first key instead.
            if (at == null && e.key().contains("[")) {
                String entry = e.key().substring(0, e.key().indexOf(']') + 1) + ".";
                at = where.entrySet().stream().filter(x -> x.getKey().startsWith(entry))
                        .map(Map.Entry::getValue).min(java.util.Comparator.comparingInt((Place x) -> x.at().getLineNr())
                                .thenComparingInt(x -> x.at().getColumnNr()))
                        .orElse(null);
            }
            throw at == null ? e : e.at(at.at().getLineNr(), at.at().getColumnNr());
        }
    }

    /**
     * One bounded pass over the tokens: fails on syntax errors, limits and YAML aliases, and records
     * where each key's value starts ({@code providers.local.kind} to line and column).
     */
    private static Map<String, Place> locate(JsonFactory factory, String text, FusionConfig.Format format) {
        Map<String, Place> where = new HashMap<>();
        try (JsonParser p = factory.createParser(text)) {
            JsonToken first = p.nextToken();
            if (first == null || first == JsonToken.VALUE_NULL) {
                throw new InvalidConfigurationException("the config is empty; it needs at least panel: and judge:");
            }
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidConfigurationException("the config must be a mapping of keys (" + FusionSpec.KEYS
                        + "), not " + (first == JsonToken.START_ARRAY ? "a list" : "a single value"));
            }
            for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                refuseAlias(p);
                bound(p, t);
                if (t == JsonToken.END_OBJECT && p.getParsingContext().inRoot()) {
                    if (p.nextToken() != null) {
                        throw new InvalidConfigurationException("the config has more after its top-level mapping"
                                + locationText(p.currentTokenLocation()) + "; write one " + format + " document per file");
                    }
                    break;
                }
                if (t == JsonToken.FIELD_NAME) {
                    String key = keyPath(p.getParsingContext());
                    Place earlier = where.putIfAbsent(NAME + key, new Place(p.currentTokenLocation(), null));
                    if (earlier != null) {
                        // YAML and JSON parsers keep the last of two equal keys: a budget written twice
                        // would silently be the second one.
                        JsonLocation again = p.currentTokenLocation();
                        throw ConfigKeyException.bad(key, "is written twice (line " + earlier.at().getLineNr()
                                + " and line " + again.getLineNr() + "); keep one of them")
                                .at(again.getLineNr(), again.getColumnNr());
                    }
                    JsonToken v = p.nextToken();
                    if (v == null) {
                        break;
                    }
                    refuseAlias(p);
                    bound(p, v);
                    where.putIfAbsent(key, new Place(p.currentTokenLocation(), SpecValues.describe(p)));
                }
            }
        } catch (StreamConstraintsException e) {
            throw limit(e);
        } catch (JsonProcessingException e) {
            throw syntax(e, format);
        } catch (IOException e) {
            throw new InvalidConfigurationException("the config cannot be read: " + firstLine(e.getMessage()), e);
        }
        return where;
    }

    /** Where a key (or its value) is written, and what the value is ({@code a list}, {@code number 7}). */
    private record Place(JsonLocation at, String was) {
    }

    /** Prefix of the entries in the location index that give where a key's name (not its value) is written. */
    private static final String NAME = "\u0000";

    /**
     * The string and number limits, for parsers that do not apply {@link StreamReadConstraints} to
     * every token (the YAML parser reads scalars through SnakeYAML, bounded by its code point limit).
     */
    private static void bound(JsonParser p, JsonToken t) throws IOException {
        boolean number = t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT;
        boolean string = t == JsonToken.VALUE_STRING || t == JsonToken.FIELD_NAME;
        if (!number && !string) {
            return;
        }
        int length = p.getTextLength();
        int max = number ? MAX_NUMBER_CHARS : MAX_STRING_CHARS;
        if (length > max) {
            JsonLocation at = p.currentTokenLocation();
            throw new InvalidConfigurationException("the config exceeds a reading limit: " + (number ? "a number of "
                    : t == JsonToken.FIELD_NAME ? "a key of " : "a string of ") + length + " characters (the limit is "
                    + max + ")" + locationText(at));
        }
    }

    private static void refuseAlias(JsonParser p) throws IOException {
        if (p instanceof YAMLParser y && y.isCurrentAlias()) {
            JsonLocation at = p.currentTokenLocation();
            throw new InvalidConfigurationException("the config uses a YAML alias (*" + SpecValues.shorten(y.getText())
                    + ") at line " + at.getLineNr() + ", column " + at.getColumnNr()
                    + "; anchors and aliases are not supported (they can expand without bound): write the value out");
        }
    }

    /** The key path of the current name: {@code providers.local.kind}, inside a list {@code panel[1].reasoning}. */
    private static String keyPath(JsonStreamContext c) {
        List<String> names = new ArrayList<>();
        String index = "";
        for (JsonStreamContext x = c; x != null; x = x.getParent()) {
            if (x.inArray()) {
                index = "[" + Math.max(0, x.getCurrentIndex()) + "]" + index;
            } else if (x.inObject() && x.getCurrentName() != null) {
                names.add(0, x.getCurrentName() + index);
                index = "";
            }
        }
        return String.join(".", names);
    }

    // ------------------------------------------------------------------ messages

    /** The key path of a binding error; an index into a list is written after its key ({@code panel[1]}). */
    private static List<String> path(JsonMappingException e) {
        List<String> out = new ArrayList<>();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                out.add(r.getFieldName());
            } else if (r.getIndex() >= 0 && !out.isEmpty() && out.get(0).equals("panel")) {
                out.set(out.size() - 1, out.get(out.size() - 1) + "[" + r.getIndex() + "]");
            }
        }
        return out;
    }

    /** What a mapping-valued key must look like, for type errors. */
    private static String shape(List<String> path) {
        String top = path.get(0);
        int depth = path.size();
        if (top.startsWith("panel[") && depth == 2 && path.get(1).equals("extraBody")) {
            return "a mapping of request-body field to JSON value, e.g. extraBody: {top_k: 40}";
        }
        return switch (top) {
            case "providers" -> depth == 1 ? "a mapping of provider name to {kind, baseUrl, apiKeyEnv}"
                    : depth == 2 ? "{kind: openai|anthropic|gemini, baseUrl: ..., apiKeyEnv: ...}"
                    : path.get(2).equals("extraBody") ? "a mapping of request-body field to JSON value, e.g."
                    + " extraBody: {provider: {order: [deepinfra]}}"
                    : path.get(2).equals("capabilities") ? "{structuredOutput: json-schema|json-object|prompt-only,"
                    + " images: supported|unsupported, reasoning: effort|openrouter|none}"
                    : "a mapping of header name to value";
            case "providerLimits" -> depth == 1 ? "a mapping of provider name to {maxConcurrent, requestsPerMinute}"
                    : "{maxConcurrent: 8, requestsPerMinute: 60}";
            case "prices" -> depth == 1 ? "a mapping of provider:model to {input, output, ...} in USD per million tokens"
                    : depth == 2 ? "{input: 0.27, output: 1.10, ...} (USD per million tokens)"
                    : "a list of {aboveInputTokens, input, output, ...}";
            case "strategyOptions" -> "a map, e.g. strategyOptions: {rounds: 3}";
            default -> "a value of another type";
        };
    }

    private static ConfigKeyException keyError(List<String> path, String problem, JsonLocation at,
                                               Map<String, Place> where, Throwable cause) {
        String key = String.join(".", path);
        ConfigKeyException e = ConfigKeyException.bad(key, problem, cause);
        JsonLocation loc = where.containsKey(key) ? where.get(key).at() : at;
        return loc == null || loc.getLineNr() < 1 ? e : e.at(loc.getLineNr(), loc.getColumnNr());
    }

    private static InvalidConfigurationException notAMapping(MismatchedInputException e) {
        return new InvalidConfigurationException("the config must be a mapping of keys (" + FusionSpec.KEYS + ")", e);
    }

    private static InvalidConfigurationException syntax(JsonProcessingException e, FusionConfig.Format format) {
        if (e instanceof StreamConstraintsException sce) {
            return limit(sce);
        }
        String problem = firstLine(e.getOriginalMessage());
        Throwable cause = e.getCause();
        String snake = cause instanceof MarkedYAMLException m && m.getProblem() != null ? firstLine(m.getProblem())
                : cause instanceof YAMLException y ? firstLine(y.getMessage()) : problem;
        // SnakeYAML's own limits (code points, nesting, aliases) arrive as parse errors.
        if (snake.contains("exceeds the limit") || snake.contains("Nesting Depth exceeded")
                || snake.contains("Number of aliases")) {
            return new InvalidConfigurationException("the config exceeds a reading limit: " + snake, e);
        }
        if (cause instanceof MarkedYAMLException m && m.getProblemMark() != null) {
            // SnakeYAML's message quotes the text around the error; only the problem and its place are kept.
            return new InvalidConfigurationException("the config is not valid YAML: " + snake + " (line "
                    + (m.getProblemMark().getLine() + 1) + ", column " + (m.getProblemMark().getColumn() + 1) + ")", e);
        }
        return located(new InvalidConfigurationException("the config is not valid " + format + ": " + snake), e.getLocation(), e);
    }

    private static InvalidConfigurationException limit(StreamConstraintsException e) {
        return new InvalidConfigurationException("the config exceeds a reading limit: " + firstLine(e.getOriginalMessage())
                + locationText(e.getLocation()), e);
    }

    private static InvalidConfigurationException located(InvalidConfigurationException e, JsonLocation at, Throwable cause) {
        return new InvalidConfigurationException(e.getMessage() + locationText(at), cause);
    }

    private static String locationText(JsonLocation at) {
        return at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").strip();
    }
}
