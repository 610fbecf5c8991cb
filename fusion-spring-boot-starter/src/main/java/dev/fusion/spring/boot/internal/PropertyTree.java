package dev.fusion.spring.boot.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.providers.config.ConfigKeyException;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.providers.config.FusionSpec;
import dev.fusion.providers.config.SharedConfig;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code fusion.*} properties of a Spring {@link Environment} as the configuration file's tree, read by
 * {@link FusionConfig#fromTree} — the one reader, so the keys, types, rules and messages are the file's.
 *
 * <p>The shape of the tree is read from {@link FusionSpec}'s components (a key added there is a property
 * here): Spring's relaxed names are matched to the spec's keys ({@code budget-usd}, {@code budgetUsd} and
 * the variables {@code FUSION_BUDGETUSD} / {@code FUSION_BUDGET_USD} are all {@code budgetUsd}); map keys
 * (provider names, {@code provider:model} price references, extra body fields) are kept as written; a list
 * is {@code fusion.panel[0]=...} or one comma-separated value, from one property source (the highest that
 * has it, as Spring binds lists). Text values become what the spec's component takes: whole numbers,
 * {@code true}/{@code false}, a duration in Spring's form ({@code 24h}) as ISO-8601; free-form values
 * (strategy options) are read as YAML would read them; extra body values from a {@code .properties} file stay
 * strings. A name under {@code fusion.*} that is no key fails, naming it; environment variables that are no
 * key are ignored (the CLI's {@code FUSION_*} variables are not properties).
 *
 * <p>Problems name the property ({@code property 'fusion.budget-usd' cannot be negative, was -1}): the spec's
 * key path is mapped back to the property it came from. Immutable and thread-safe once read.
 */
public final class PropertyTree {

    /** The prefix of every property. */
    public static final String PREFIX = "fusion";

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Pattern PLAIN_NUMBER = Pattern.compile("-?\\d{1,60}(\\.\\d{1,39})?");
    private static final Shape SPEC = shapeOfRecord(FusionSpec.class, true);

    private final ObjectNode tree;
    private final Map<String, String> properties;

    private PropertyTree(ObjectNode tree, Map<String, String> properties) {
        this.tree = tree;
        this.properties = properties;
    }

    // ------------------------------------------------------------------ the shape, from the spec

    /** What may stand at a place in the tree. */
    private sealed interface Shape permits Rec, MapOf, ListOf, Leaf, Free, Either {
    }

    /** A record: its components by Spring's uniform name (lower case, letters and digits). */
    private record Rec(Map<String, Component> byUniform) implements Shape {
    }

    private record Component(String name, Shape shape) {
    }

    private record MapOf(Shape value) implements Shape {
    }

    private record ListOf(Shape element) implements Shape {
    }

    /** A scalar of a type the spec reads strictly ({@code Integer}, {@code Boolean}, ...; {@code Object}: as YAML reads it). */
    private record Leaf(Class<?> type) implements Shape {
    }

    /** Any JSON below, keys as written; leaves as YAML reads them when {@code coerce}, else as written. */
    private record Free(boolean coerce) implements Shape {
    }

    /** A scalar, or a mapping with keys of its own ({@code strategy: layered} or {@code strategy: {name, rounds}}). */
    private record Either(Shape scalar, Shape structured) implements Shape {
    }

    /**
     * The spec's components whose Java type does not show their shape in a property file: lists read by a
     * deserializer of their own, values that are a scalar or a mapping, and {@code shared}'s keys.
     */
    private static Shape special(String key) {
        return switch (key) {
            case "panel" -> new ListOf(new Either(new Leaf(String.class), shapeOfRecord(FusionSpec.PanelEntry.class, false)));
            case "judge", "flagships" -> new ListOf(new Leaf(String.class));
            case "strategy" -> new Either(new Leaf(String.class), new Free(true));
            case "sandbox" -> new Either(new Leaf(Boolean.class), shapeOfRecord(FusionSpec.SandboxEntry.class, false));
            case "shared" -> {
                Map<String, Component> keys = new LinkedHashMap<>();
                SharedConfig.KEYS.forEach(k -> keys.put(uniform(k), new Component(k, new Leaf(Object.class))));
                yield new Rec(keys);
            }
            default -> null;
        };
    }

    private static Shape shapeOfRecord(Class<?> type, boolean top) {
        Map<String, Component> out = new LinkedHashMap<>();
        for (RecordComponent c : type.getRecordComponents()) {
            if (type == FusionSpec.Provider.class && c.getName().equals("apiKey")) {
                continue; // an API key is never a property: api-key-env names the variable holding it
            }
            Shape s = top ? special(c.getName()) : null;
            if (s == null) {
                s = c.getName().equals("extraBody") ? new Free(false) : shapeOf(c.getGenericType());
            }
            out.put(uniform(c.getName()), new Component(c.getName(), s));
        }
        return new Rec(out);
    }

    private static Shape shapeOf(Type type) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        Type[] args = type instanceof ParameterizedType p ? p.getActualTypeArguments() : new Type[0];
        if (Map.class.isAssignableFrom(raw)) {
            return new MapOf(args.length == 2 ? shapeOf(args[1]) : new Free(true));
        }
        if (Collection.class.isAssignableFrom(raw)) {
            return new ListOf(args.length == 1 ? shapeOf(args[0]) : new Free(true));
        }
        if (raw.isRecord()) {
            return shapeOfRecord(raw, false);
        }
        if (raw == Object.class || JsonNode.class.isAssignableFrom(raw)) {
            return new Free(true);
        }
        if (raw == Integer.class || raw == Long.class || raw == Boolean.class || raw == Duration.class
                || raw == String.class || raw == BigDecimal.class || raw.isEnum()) {
            return new Leaf(raw);
        }
        return new Leaf(Object.class); // e.g. a reasoning setting: high, or a budget in tokens
    }

    private static String uniform(String name) {
        StringBuilder b = new StringBuilder();
        for (char c : name.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                b.append(Character.toLowerCase(c));
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ reading

    /** A place in the tree being built: an object, a list or a value, with the property it came from. */
    private static final class Node {
        final String path;
        final String property;
        Map<String, Node> fields;
        TreeMap<Integer, Node> items;
        JsonNode value;
        Object owner;

        Node(String path, String property) {
            this.path = path;
            this.property = property;
        }

        boolean isSet() {
            return value != null || fields != null || items != null;
        }

        Node field(String key, String name) {
            if (value != null || items != null) {
                return null;
            }
            if (fields == null) {
                fields = new LinkedHashMap<>();
            }
            return fields.computeIfAbsent(key, k -> new Node(path.isEmpty() ? k : path + "." + k, property + "." + name));
        }

        Node item(int index) {
            if (value != null || fields != null) {
                return null;
            }
            if (items == null) {
                items = new TreeMap<>();
            }
            return items.computeIfAbsent(index, i -> new Node(path + "[" + i + "]", property + "[" + i + "]"));
        }

        JsonNode toJson(Map<String, String> names) {
            if (!path.isEmpty()) {
                names.put(path, property);
            }
            if (value != null) {
                return value;
            }
            if (items != null) {
                ArrayNode a = JSON.arrayNode();
                items.values().forEach(n -> a.add(n.toJson(names)));
                return a;
            }
            ObjectNode o = JSON.objectNode();
            if (fields != null) {
                fields.forEach((k, n) -> {
                    if (n.isSet()) {
                        o.set(k, n.toJson(names));
                    }
                });
            }
            return o;
        }
    }

    /**
     * The {@code fusion.*} properties of {@code environment} as a tree (not yet validated).
     *
     * @throws InvalidConfigurationException naming every property under {@code fusion.*} that is no key
     */
    public static PropertyTree read(Environment environment) {
        return read(ConfigurationPropertySources.get(environment), new PropertySourcesPlaceholdersResolver(environment));
    }

    /**
     * The tree as far as it can be read, for what only looks at it (Actuator's masking and info): an
     * empty tree when the properties do not read (the {@code Fusion} bean's start-up says why).
     */
    public static ObjectNode lenient(Environment environment) {
        try {
            return read(environment).tree();
        } catch (InvalidConfigurationException e) {
            return JSON.objectNode();
        }
    }

    /** As {@link #read(Environment)}, from these sources (highest precedence first). */
    public static PropertyTree read(Iterable<ConfigurationPropertySource> sources,
                                    PropertySourcesPlaceholdersResolver placeholders) {
        ConfigurationPropertyName top = ConfigurationPropertyName.of(PREFIX);
        Node root = new Node("", PREFIX);
        TreeSet<String> unknown = new TreeSet<>();
        for (ConfigurationPropertySource source : sources) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            boolean env = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
            iterable.filter(top::isAncestorOf).forEach(name -> {
                List<String[]> elements = new ArrayList<>();
                for (int i = top.getNumberOfElements(); i < name.getNumberOfElements(); i++) {
                    elements.add(new String[] {name.getElement(i, ConfigurationPropertyName.Form.ORIGINAL),
                            name.getElement(i, ConfigurationPropertyName.Form.UNIFORM),
                            name.isNumericIndex(i) ? "#" : ""});
                }
                if (elements.size() == 1 && elements.get(0)[1].equals("enabled")) {
                    return; // the starter's own switch
                }
                ConfigurationProperty property = source.getConfigurationProperty(name);
                Object value = property == null ? null : property.getValue();
                if (value instanceof OriginTrackedValue tracked) {
                    value = tracked.getValue();
                }
                value = placeholders == null ? value : placeholders.resolvePlaceholders(value);
                if (!put(root, SPEC, elements, 0, value, source, env) && !env) {
                    unknown.add(name.toString());
                }
            });
        }
        if (!unknown.isEmpty()) {
            throw new InvalidConfigurationException("unknown " + (unknown.size() == 1 ? "property " : "properties ")
                    + String.join(", ", unknown.stream().map(n -> "'" + n + "'").toList())
                    + "; the fusion.* keys are those of the configuration file (see docs/configuration.md)"
                    + (unknown.stream().anyMatch(n -> n.endsWith(".api-key") || n.endsWith(".apikey"))
                    ? "; an API key is never a property: name the variable holding it with"
                    + " fusion.providers.<name>.api-key-env" : ""));
        }
        Map<String, String> names = new LinkedHashMap<>();
        ObjectNode tree = (ObjectNode) root.toJson(names);
        return new PropertyTree(tree, Map.copyOf(names));
    }

    /** Puts one property's value at its place; false when the name is no key. */
    private static boolean put(Node node, Shape shape, List<String[]> elements, int i, Object value,
                               Object source, boolean env) {
        if (shape instanceof ListOf list) {
            if (node.owner != null && node.owner != source) {
                return true; // a list comes whole from the highest source that has it
            }
            node.owner = source;
        }
        if (i == elements.size()) {
            setValue(node, shape, value);
            return true;
        }
        String[] e = elements.get(i);
        if (shape instanceof Rec rec) {
            // A variable's name has no dashes: FUSION_BUDGET_USD arrives as budget.usd, so names are joined.
            StringBuilder joined = new StringBuilder();
            for (int j = i; j < (env ? elements.size() : i + 1); j++) {
                joined.append(elements.get(j)[1]);
                Component c = rec.byUniform().get(joined.toString());
                if (c != null) {
                    Node child = node.field(c.name(), kebab(c.name()));
                    return child == null || put(child, c.shape(), elements, j + 1, value, source, env);
                }
            }
            return false;
        }
        if (shape instanceof MapOf map) {
            Node child = node.field(e[0], e[0]);
            return child == null || put(child, map.value(), elements, i + 1, value, source, env);
        }
        if (shape instanceof ListOf list) {
            Integer index = index(e);
            if (index == null) {
                return false;
            }
            Node child = node.item(index);
            return child == null || put(child, list.element(), elements, i + 1, value, source, env);
        }
        if (shape instanceof Either either) {
            return put(node, either.structured(), elements, i, value, source, env);
        }
        if (shape instanceof Free free) {
            Integer index = index(e);
            Node child = index != null ? node.item(index) : node.field(e[0], e[0]);
            return child == null || put(child, free, elements, i + 1, value, source, env);
        }
        return false; // a scalar has no keys below it
    }

    private static Integer index(String[] element) {
        if (!element[2].equals("#") && !element[1].matches("\\d{1,6}")) {
            return null;
        }
        try {
            return Integer.valueOf(element[1].replaceAll("\\D", ""));
        } catch (NumberFormatException x) {
            return null;
        }
    }

    /** A value at its place: the first source that sets a place wins; an empty value sets nothing. */
    private static void setValue(Node node, Shape shape, Object value) {
        if (node.isSet() || value == null || value instanceof String s && s.isEmpty()) {
            return;
        }
        if (shape instanceof ListOf list && value instanceof String s) {
            int i = 0;
            for (String part : s.split(",")) {
                if (!part.isBlank()) {
                    setValue(node.item(i++), list.element(), part.trim());
                }
            }
            return;
        }
        if (shape instanceof Either either) {
            node.value = leaf(either.scalar(), value);
        } else if (shape instanceof Leaf || shape instanceof Free free && (free.coerce() || !(value instanceof String))) {
            node.value = leaf(shape, value);
        } else {
            // text as written (extra body values from a .properties file), or a value where a mapping belongs
            // (the spec names the key and the shape it must have)
            node.value = JSON.textNode(String.valueOf(value));
        }
    }

    private static JsonNode leaf(Shape shape, Object value) {
        Class<?> type = shape instanceof Leaf leaf ? leaf.type() : Object.class;
        if (value instanceof Boolean b) {
            return JSON.booleanNode(b);
        }
        if (value instanceof Number n) {
            String text = n.toString();
            return PLAIN_NUMBER.matcher(text).matches() ? number(text) : JSON.textNode(text);
        }
        String s = String.valueOf(value);
        String t = s.trim();
        if ((type == Integer.class || type == Long.class || type == Object.class) && PLAIN_NUMBER.matcher(t).matches()) {
            return number(t);
        }
        if ((type == Boolean.class || type == Object.class) && (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false"))) {
            return JSON.booleanNode(Boolean.parseBoolean(t.toLowerCase(Locale.ROOT)));
        }
        if (type == Duration.class) {
            try {
                return JSON.textNode(DurationStyle.detectAndParse(t).toString()); // Spring's 24h, or PT24H
            } catch (IllegalArgumentException notADuration) {
                return JSON.textNode(s); // the spec says what it must be
            }
        }
        return JSON.textNode(s);
    }

    private static JsonNode number(String plain) {
        BigDecimal d = new BigDecimal(plain);
        if (d.scale() > 0) {
            return JSON.numberNode(d);
        }
        java.math.BigInteger i = d.toBigIntegerExact(); // as YAML reads a whole number: int, long, then big
        return i.bitLength() < 32 ? JSON.numberNode(i.intValue()) : i.bitLength() < 64 ? JSON.numberNode(i.longValue())
                : JSON.numberNode(i);
    }

    // ------------------------------------------------------------------ results

    /** The tree, keys as in the configuration file (a copy). */
    public ObjectNode tree() {
        return tree.deepCopy();
    }

    /**
     * The validated configuration.
     *
     * @param withShared without: {@code shared} is left out (the caller supplies the store itself)
     * @throws InvalidConfigurationException naming the property and the fix
     */
    public FusionConfig config(boolean withShared) {
        ObjectNode t = tree();
        if (!withShared) {
            t.remove("shared");
        }
        try {
            return FusionConfig.fromTree(t);
        } catch (InvalidConfigurationException e) {
            throw named(e);
        }
    }

    /**
     * A configuration problem with its key paths as properties: {@code config key 'budgetUsd' ...} as
     * {@code property 'fusion.budget-usd' ...}; another problem is prefixed with where it comes from.
     */
    public InvalidConfigurationException named(InvalidConfigurationException e) {
        if (e instanceof ConfigKeyException k) {
            String name = property(k.key());
            boolean ownWording = k.getMessage() != null && k.getMessage().startsWith(k.key() + ": ");
            return new InvalidConfigurationException("property '" + name + "'" + (ownWording ? ": " : " ") + k.problem(), e);
        }
        return new InvalidConfigurationException("fusion.* properties: " + e.getMessage(), e);
    }

    /** The property a key path of the spec came from ({@code prices.local:a.input}), or would come from. */
    public String property(String key) {
        String best = "";
        for (String p : properties.keySet()) {
            if (p.length() > best.length() && (key.equals(p) || key.startsWith(p + ".") || key.startsWith(p + "["))) {
                best = p;
            }
        }
        String rest = key.substring(best.length());
        return (best.isEmpty() ? PREFIX + "." : properties.get(best)) + kebab(rest);
    }

    private static String kebab(String key) {
        return key.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------ IDE metadata

    /**
     * One entry of the IDE metadata ({@code META-INF/spring-configuration-metadata.json}), read from the
     * spec's shape: a property with its Java type, or a group of properties.
     *
     * @param name  the property, {@code fusion.budget-usd}
     * @param type  its Java type as Spring's metadata writes it, {@code java.math.BigDecimal}
     * @param key   the spec's top-level key it belongs to, {@code budgetUsd}
     * @param group whether it is a group ({@code fusion.shared}) rather than a property
     */
    public record MetadataEntry(String name, String type, String key, boolean group) {
    }

    /** The metadata entries of every spec key, in the spec's order. */
    public static List<MetadataEntry> metadata() {
        List<MetadataEntry> out = new ArrayList<>();
        for (RecordComponent c : FusionSpec.class.getRecordComponents()) {
            String name = PREFIX + "." + kebab(c.getName());
            Shape shape = ((Rec) SPEC).byUniform().get(uniform(c.getName())).shape();
            Rec keys = shape instanceof Rec r ? r : shape instanceof Either e && e.structured() instanceof Rec r2 ? r2 : null;
            if (keys != null) {
                out.add(new MetadataEntry(name, c.getType().getName(), c.getName(), true));
                keys.byUniform().values().forEach(k -> out.add(new MetadataEntry(name + "." + kebab(k.name()),
                        k.shape() instanceof Leaf leaf && leaf.type() != Object.class ? leaf.type().getName()
                                : String.class.getName(), c.getName(), false)));
            } else {
                String type = shape instanceof ListOf ? "java.util.List<java.lang.String>"
                        : shape instanceof Either ? String.class.getName()
                        : c.getGenericType().getTypeName().replace(" ", "");
                out.add(new MetadataEntry(name, type, c.getName(), false));
            }
        }
        return out;
    }
}
