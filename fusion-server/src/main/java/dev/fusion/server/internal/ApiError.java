package dev.fusion.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.Redactor;

/**
 * An error answer: HTTP status, a machine-readable code, a message for the client (never a stack trace,
 * never a key: the message passes through {@link Redactor}) and, for 429/503, the seconds to wait.
 * Rendered in the shape of the API the client called. Immutable.
 */
public record ApiError(int status, String code, String message, long retryAfterSeconds) {

    public ApiError {
        message = Redactor.redact(message == null ? "" : message);
    }

    /**
     * This error with every run of 8 or more characters of {@code key} masked (a client's own key, echoed back in
     * a field it sent by mistake, is not sent back, nor logged).
     */
    public ApiError masking(String key) {
        if (key == null || key.length() < 8) {
            return this;
        }
        String m = message;
        for (int i = 0; i + 8 <= key.length(); i++) {
            String run = key.substring(i, i + 8);
            if (m.contains(run)) {
                m = m.replace(run, "********");
            }
        }
        return m.equals(message) ? this : new ApiError(status, code, m, retryAfterSeconds);
    }

    public static ApiError of(int status, String code, String message) {
        return new ApiError(status, code, message, -1);
    }

    public static ApiError badRequest(String message) {
        return of(400, "invalid_request_error", message);
    }

    /** The OpenAI shape: {@code {"error": {"message", "type", "param", "code"}}}. */
    public ObjectNode openAi() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", openAiType());
        e.putNull("param");
        e.put("code", code);
        return root;
    }

    /** The Anthropic shape: {@code {"type": "error", "error": {"type", "message"}}}. */
    public ObjectNode anthropic() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("type", "error");
        ObjectNode e = root.putObject("error");
        e.put("type", anthropicType());
        e.put("message", message);
        return root;
    }

    private String openAiType() {
        return switch (status) {
            case 400, 413 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 429 -> "rate_limit_error";
            case 503 -> "service_unavailable";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    private String anthropicType() {
        return switch (status) {
            case 400 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }
}
