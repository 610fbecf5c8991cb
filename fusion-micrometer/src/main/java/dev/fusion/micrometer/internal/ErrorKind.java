package dev.fusion.micrometer.internal;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The fixed set of {@code error.type} values Fusion's meters and observations carry. A call's error
 * type can come from the server (an in-band error's own {@code type}, any string a provider sends),
 * and a tag value taken from it would let a server create a new time series per answer; so every
 * error type is mapped onto this enum: Fusion's own kinds as they are, {@code http_NNN} for a real
 * HTTP status (100 to 599), the error types the three providers document, and {@link #OTHER} for
 * everything else. Stateless and thread-safe.
 */
public enum ErrorKind {
    TIMEOUT("timeout"),
    DEADLINE("deadline"),
    CANCELLED("cancelled"),
    BUDGET("budget"),
    SKIPPED("skipped"),
    FAILED("failed"),
    CONNECTION_ERROR("connection_error"),
    MALFORMED_RESPONSE("malformed_response"),
    TRUNCATED_STREAM("truncated_stream"),
    REDIRECT("redirect"),
    CONFIGURATION_ERROR("configuration_error"),
    RESPONSE_TOO_LARGE("response_too_large"),
    INVALID_OUTPUT("invalid_output"),
    EMPTY_ANSWER("empty_answer"),
    PROMPT_BLOCKED("prompt_blocked"),
    IN_BAND_ERROR("in_band_error"),
    TRANSPORT("transport"),
    HTTP_STATUS("http_status"),
    /** The provider-documented in-band types (Anthropic's and OpenAI's error objects). */
    API_ERROR("api_error"),
    AUTHENTICATION_ERROR("authentication_error"),
    BILLING_ERROR("billing_error"),
    INVALID_REQUEST_ERROR("invalid_request_error"),
    NOT_FOUND_ERROR("not_found_error"),
    OVERLOADED_ERROR("overloaded_error"),
    PERMISSION_ERROR("permission_error"),
    RATE_LIMIT_ERROR("rate_limit_error"),
    SERVER_ERROR("server_error"),
    TIMEOUT_ERROR("timeout_error"),
    /** A generic failure of Fusion's own ({@code CallError.of} of an unexpected exception). */
    ERROR("error"),
    /** Any type not in this set: what a server may invent never becomes a tag value. */
    OTHER("other");

    private static final Map<String, ErrorKind> BY_VALUE = new HashMap<>();
    /** {@code http_100} … {@code http_599}, built once. */
    private static final String[] HTTP = new String[600];

    static {
        for (ErrorKind k : values()) {
            BY_VALUE.put(k.value, k);
        }
        for (int s = 100; s < 600; s++) {
            HTTP[s] = "http_" + s;
        }
    }

    private final String value;

    ErrorKind(String value) {
        this.value = value;
    }

    /** The tag value. */
    public String value() {
        return value;
    }

    /** The kind an error type maps to ({@link #OTHER} for null or unknown). */
    public static ErrorKind of(String type) {
        if (type == null) {
            return OTHER;
        }
        ErrorKind k = BY_VALUE.get(type.toLowerCase(Locale.ROOT));
        return k == null ? OTHER : k;
    }

    /**
     * The tag value for an error type: {@code http_NNN} for an HTTP status from 100 to 599, else the
     * value of {@link #of}. Never anything outside this fixed set.
     */
    public static String tagValue(String type) {
        if (type != null && type.length() == 8 && type.startsWith("http_")) {
            try {
                int s = Integer.parseInt(type.substring(5));
                if (s >= 100 && s < 600) {
                    return HTTP[s];
                }
            } catch (NumberFormatException e) {
                return OTHER.value;
            }
        }
        return of(type).value;
    }
}
