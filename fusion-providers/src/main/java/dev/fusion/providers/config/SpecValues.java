package dev.fusion.providers.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.OnJudgeFailure;
import dev.fusion.model.Effort;
import dev.fusion.model.Reasoning;
import dev.fusion.providers.ProviderKind;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How each kind of config value is read from YAML or JSON, with the problem stated in the user's
 * terms ({@code must be a whole number, was the string 'two'}). The readers check only the type;
 * ranges and relations between keys are checked by {@link FusionSpec#validate()}. Internal.
 */
final class SpecValues {
    private SpecValues() {
    }

    /** The readers for the value types of {@link FusionSpec}, by Java type. */
    static SimpleModule module() {
        SimpleModule m = new SimpleModule("fusion-config");
        m.addDeserializer(Integer.class, new WholeNumber());
        m.addDeserializer(Long.class, new Millis());
        m.addDeserializer(BigDecimal.class, new Dollars());
        m.addDeserializer(Boolean.class, new Flag());
        m.addDeserializer(String.class, new Text());
        m.addDeserializer(Duration.class, new IsoDuration());
        m.addDeserializer(OnJudgeFailure.class, new JudgeFailurePolicy());
        m.addDeserializer(ProviderKind.class, new Kind());
        m.addDeserializer(Reasoning.class, new ReasoningValue());
        // Any other enum-valued key (a new one needs no reader of its own): its names, case-insensitive, '-' for '_'.
        m.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyEnumDeserializer(DeserializationConfig config, JavaType type,
                                                              BeanDescription beanDesc, JsonDeserializer<?> deserializer) {
                return deserializer instanceof JudgeFailurePolicy || deserializer instanceof Kind ? deserializer
                        : new EnumValue(type.getRawClass());
            }
        });
        return m;
    }

    /** A value of the wrong type: {@link #problem()} is the user-facing text; the key path is added by the reader. */
    static final class BadValue extends MismatchedInputException {
        private static final long serialVersionUID = 1L;
        private final String problem;

        BadValue(JsonParser p, String problem, Class<?> type) {
            super(p, problem, type);
            this.problem = problem;
        }

        String problem() {
            return problem;
        }
    }

    /** The value under the parser, for messages: {@code the string 'x'}, {@code number 2.5}, {@code a list}. */
    static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "nothing";
        }
        return switch (t) {
            case VALUE_STRING -> "the string '" + shorten(p.getText()) + "'";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number " + shorten(p.getText());
            case VALUE_TRUE, VALUE_FALSE -> "boolean " + p.getText();
            case VALUE_NULL -> "empty";
            case START_ARRAY -> "a list";
            case START_OBJECT, FIELD_NAME -> "a mapping";
            default -> "a " + t.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Long values are cut in messages (a 60 KB string is not echoed back). */
    static String shorten(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static BadValue bad(JsonParser p, String expected, Class<?> type) throws IOException {
        return new BadValue(p, expected + ", was " + describe(p), type);
    }

    private static BigInteger range(JsonParser p, BigInteger i, int bits, Class<?> type) throws IOException {
        if (i.bitLength() > bits) {
            throw new BadValue(p, (i.signum() < 0 ? "is too small: " : "is too large: ") + i, type);
        }
        return i;
    }

    /** Counts: a whole number (2 and 2.0, not 2.5 or "2"). */
    static final class WholeNumber extends StdScalarDeserializer<Integer> {
        private static final long serialVersionUID = 1L;

        WholeNumber() {
            super(Integer.class);
        }

        @Override
        public Integer deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            BigInteger i;
            if (p.currentToken() == JsonToken.VALUE_NUMBER_INT) {
                i = p.getBigIntegerValue();
            } else if (p.currentToken() == JsonToken.VALUE_NUMBER_FLOAT
                    && p.getDecimalValue().stripTrailingZeros().scale() <= 0) {
                i = p.getDecimalValue().toBigIntegerExact();
            } else {
                throw bad(p, "must be a whole number", Integer.class);
            }
            return range(p, i, 31, Integer.class).intValue();
        }
    }

    /** Durations in whole milliseconds ({@code graceMs: 2000}). */
    static final class Millis extends StdScalarDeserializer<Long> {
        private static final long serialVersionUID = 1L;

        Millis() {
            super(Long.class);
        }

        @Override
        public Long deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw bad(p, "must be a whole number of milliseconds", Long.class);
            }
            return range(p, p.getBigIntegerValue(), 62, Long.class).longValue();
        }
    }

    /** Dollar amounts and rates: a number, or a string holding one ({@code "0.05"}), read exactly. */
    static final class Dollars extends StdScalarDeserializer<BigDecimal> {
        private static final long serialVersionUID = 1L;

        Dollars() {
            super(BigDecimal.class);
        }

        @Override
        public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if ((t == JsonToken.VALUE_STRING || t.isNumeric()) && p.getTextLength() > SpecReader.MAX_NUMBER_CHARS) {
                throw new BadValue(p, "is a number of " + p.getTextLength() + " characters; the limit is "
                        + SpecReader.MAX_NUMBER_CHARS, BigDecimal.class);
            }
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                BigDecimal d;
                try {
                    d = p.getDecimalValue();
                } catch (IOException | NumberFormatException e) {
                    // YAML's .nan, .inf and -.inf arrive as floats BigDecimal cannot hold
                    throw new BadValue(p, "must be a finite number of US dollars, was '" + shorten(p.getText()) + "'",
                            BigDecimal.class);
                }
                return inRange(p, d);
            }
            if (t == JsonToken.VALUE_STRING) {
                BigDecimal d;
                try {
                    d = new BigDecimal(p.getText().trim());
                } catch (NumberFormatException e) {
                    throw new BadValue(p, "must be a number of US dollars, was '" + shorten(p.getText()) + "'", BigDecimal.class);
                }
                return inRange(p, d);
            }
            throw bad(p, "must be a number of US dollars", BigDecimal.class);
        }

        /**
         * An amount within what money can sensibly be: at most {@link #MAX_DOLLARS} in magnitude and at most
         * {@link #MAX_DECIMALS} decimal places. {@code 1e999999999} is 100 characters short, but printing or
         * adding it would build a billion-digit number.
         */
        private static BigDecimal inRange(JsonParser p, BigDecimal d) throws IOException {
            if (d.abs().compareTo(MAX_DOLLARS) > 0) {
                throw new BadValue(p, "must be at most " + MAX_DOLLARS.toPlainString() + " US dollars in magnitude, was "
                        + shorten(p.getText().trim()), BigDecimal.class);
            }
            if (d.signum() != 0 && d.stripTrailingZeros().scale() > MAX_DECIMALS) {
                throw new BadValue(p, "has more than " + MAX_DECIMALS + " decimal places, was " + shorten(p.getText().trim())
                        + "; write US dollars to at most " + MAX_DECIMALS + " places", BigDecimal.class);
            }
            return d;
        }
    }

    /** The largest dollar amount or rate a config may hold: one billion. */
    static final BigDecimal MAX_DOLLARS = BigDecimal.valueOf(1_000_000_000L);
    /** The most decimal places a dollar amount or rate may have. */
    static final int MAX_DECIMALS = 40;

    /** {@code true} or {@code false}. */
    static final class Flag extends StdScalarDeserializer<Boolean> {
        private static final long serialVersionUID = 1L;

        Flag() {
            super(Boolean.class);
        }

        @Override
        public Boolean deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                default -> throw bad(p, "must be true or false", Boolean.class);
            };
        }
    }

    /** Any scalar, as its text ({@code apiKeyEnv: KEY}, a header value {@code 1}). */
    static final class Text extends StdScalarDeserializer<String> {
        private static final long serialVersionUID = 1L;

        Text() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != null && p.currentToken().isScalarValue()) {
                return p.getText();
            }
            throw bad(p, "must be a string", String.class);
        }
    }

    /** An ISO-8601 duration ({@code PT24H}). */
    static final class IsoDuration extends StdScalarDeserializer<Duration> {
        private static final long serialVersionUID = 1L;

        IsoDuration() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String expected = "must be an ISO-8601 duration like PT24H or P7D";
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw bad(p, expected, Duration.class);
            }
            try {
                return Duration.parse(p.getText().trim());
            } catch (DateTimeParseException e) {
                throw new BadValue(p, expected + ", was '" + shorten(p.getText()) + "'", Duration.class);
            }
        }
    }

    /** {@code fail} or {@code best-answer}. */
    static final class JudgeFailurePolicy extends StdScalarDeserializer<OnJudgeFailure> {
        private static final long serialVersionUID = 1L;

        JudgeFailurePolicy() {
            super(OnJudgeFailure.class);
        }

        @Override
        public OnJudgeFailure deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken().isScalarValue()) {
                try {
                    return OnJudgeFailure.parse(p.getText());
                } catch (InvalidConfigurationException e) {
                    throw new BadValue(p, "must be fail or best-answer, was '" + shorten(p.getText()) + "'", OnJudgeFailure.class);
                }
            }
            throw bad(p, "must be fail or best-answer", OnJudgeFailure.class);
        }
    }

    /** A provider's wire format: {@code openai}, {@code anthropic} or {@code gemini}. */
    static final class Kind extends StdScalarDeserializer<ProviderKind> {
        private static final long serialVersionUID = 1L;

        Kind() {
            super(ProviderKind.class);
        }

        @Override
        public ProviderKind deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken().isScalarValue()) {
                try {
                    return ProviderKind.parse(p.getText());
                } catch (InvalidConfigurationException e) {
                    throw new BadValue(p, "must be one of openai, anthropic, gemini; was '" + shorten(p.getText()) + "'", ProviderKind.class);
                }
            }
            throw bad(p, "must be openai, anthropic or gemini", ProviderKind.class);
        }
    }

    /** An enum value by its name, case-insensitive, written with '-' or '_' ({@code on-unavailable: refuse}). */
    static final class EnumValue extends StdScalarDeserializer<Object> {
        private static final long serialVersionUID = 1L;
        private final Class<?> type;

        EnumValue(Class<?> type) {
            super(Object.class);
            this.type = type;
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            Object[] values = type.getEnumConstants();
            List<String> names = new ArrayList<>();
            for (Object v : values) {
                names.add(((Enum<?>) v).name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            }
            String expected = "must be one of " + String.join(", ", names);
            if (!p.currentToken().isScalarValue()) {
                throw bad(p, expected, type);
            }
            String text = p.getText().trim().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            int i = names.indexOf(text);
            if (i < 0) {
                throw new BadValue(p, expected + ", was '" + shorten(p.getText()) + "'", type);
            }
            return values[i];
        }
    }

    /** {@code panel} and {@code judge}: one {@code provider:model} string or a list of them. */
    static final class Models extends com.fasterxml.jackson.databind.JsonDeserializer<List<String>> {
        @Override
        public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            List<String> out = new ArrayList<>();
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(p.getText());
                return out;
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw bad(p, "must be a provider:model string or a list of them", List.class);
            }
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
                if (t != JsonToken.VALUE_STRING) {
                    throw new BadValue(p, "entries must be provider:model strings, found " + describe(p), List.class);
                }
                out.add(p.getText());
            }
            return out;
        }
    }

    /**
     * A reasoning setting: {@code low}, {@code medium} or {@code high} (any case), or a thinking budget
     * in tokens ({@code 2048}, also written {@code "2048"}).
     */
    static final class ReasoningValue extends StdScalarDeserializer<Reasoning> {
        private static final long serialVersionUID = 1L;
        private static final String EXPECTED = "must be low, medium or high, or a thinking budget in tokens"
                + " (a positive whole number)";

        ReasoningValue() {
            super(Reasoning.class);
        }

        @Override
        public Reasoning deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NUMBER_INT) {
                return tokens(p, p.getBigIntegerValue());
            }
            if (t == JsonToken.VALUE_STRING) {
                String text = p.getText().trim();
                if (text.matches("[0-9]{1,10}")) {
                    return tokens(p, new BigInteger(text));
                }
                for (Effort e : Effort.values()) {
                    if (e.wireName().equalsIgnoreCase(text)) {
                        return Reasoning.of(e);
                    }
                }
                throw new BadValue(p, EXPECTED + ", was '" + shorten(p.getText()) + "'", Reasoning.class);
            }
            throw bad(p, EXPECTED, Reasoning.class);
        }

        private static Reasoning tokens(JsonParser p, BigInteger n) throws IOException {
            if (n.signum() <= 0 || n.bitLength() > 31) {
                throw new BadValue(p, EXPECTED + ", was " + n, Reasoning.class);
            }
            return Reasoning.tokens(n.intValue());
        }
    }

    /**
     * {@code panel}: one {@code provider:model} string, or a list whose entries are such strings or
     * objects {@code {model, reasoning, extraBody}} ({@link FusionSpec.PanelEntry}). A problem inside an
     * entry is reported under its index ({@code panel[1].reasoning}).
     */
    static final class PanelModels extends com.fasterxml.jackson.databind.JsonDeserializer<List<String>> {
        @Override
        public List<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            List<FusionSpec.PanelEntry> out = new ArrayList<>();
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                out.add(FusionSpec.PanelEntry.of(p.getText()));
                return PanelList.ofEntries(out);
            }
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw bad(p, "must be a provider:model string or a list of them (an entry may also be"
                        + " {model: provider:model, reasoning: high, extraBody: {...}})", List.class);
            }
            int i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken(), i++) {
                if (t == JsonToken.VALUE_STRING) {
                    out.add(FusionSpec.PanelEntry.of(p.getText()));
                } else if (t == JsonToken.START_OBJECT) {
                    try {
                        out.add(ctxt.readValue(p, FusionSpec.PanelEntry.class));
                    } catch (JsonMappingException e) {
                        throw JsonMappingException.wrapWithPath(e, out, i);
                    }
                } else {
                    throw JsonMappingException.wrapWithPath(new BadValue(p, "must be a provider:model string or"
                            + " {model: provider:model, reasoning: ..., extraBody: {...}}, was " + describe(p),
                            List.class), out, i);
                }
            }
            return PanelList.ofEntries(out);
        }
    }

    /** {@code strategy: layered}, or {@code strategy: {name: layered, rounds: 3}}. */
    static final class StrategyValue extends com.fasterxml.jackson.databind.JsonDeserializer<FusionSpec.StrategySpec> {
        @Override
        public FusionSpec.StrategySpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING) {
                return new FusionSpec.StrategySpec(p.getText(), Map.of());
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw bad(p, "must be a strategy name or {name: ..., options...}", FusionSpec.StrategySpec.class);
            }
            Map<String, Object> all = ctxt.readValue(p, ctxt.getTypeFactory()
                    .constructMapType(LinkedHashMap.class, String.class, Object.class));
            Object name = all.remove("name");
            if (!(name instanceof String s)) {
                throw new BadValue(p, "as an object needs a name, e.g. strategy: {name: layered, rounds: 3}",
                        FusionSpec.StrategySpec.class);
            }
            return new FusionSpec.StrategySpec(s, all);
        }
    }

    /** {@code sandbox: true|false} or {@code sandbox: {enabled: true|false}}. */
    static final class SandboxValue extends com.fasterxml.jackson.databind.JsonDeserializer<FusionSpec.SandboxEntry> {
        @Override
        public FusionSpec.SandboxEntry deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_TRUE || p.currentToken() == JsonToken.VALUE_FALSE) {
                return new FusionSpec.SandboxEntry(p.getBooleanValue());
            }
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw bad(p, "must be true, false or {enabled: true|false}", FusionSpec.SandboxEntry.class);
            }
            Map<String, Object> all = ctxt.readValue(p, ctxt.getTypeFactory()
                    .constructMapType(LinkedHashMap.class, String.class, Object.class));
            Object enabled = all.remove("enabled");
            if (!all.isEmpty()) {
                throw new BadValue(p, "has no key '" + all.keySet().iterator().next() + "'; its only key is enabled",
                        FusionSpec.SandboxEntry.class);
            }
            if (enabled != null && !(enabled instanceof Boolean)) {
                throw new BadValue(p, "enabled must be true or false, was '" + enabled + "'", FusionSpec.SandboxEntry.class);
            }
            return new FusionSpec.SandboxEntry(Boolean.TRUE.equals(enabled));
        }
    }
}
