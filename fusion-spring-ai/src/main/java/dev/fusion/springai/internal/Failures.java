package dev.fusion.springai.internal;

import dev.fusion.model.ProviderException;

import java.lang.reflect.Method;

/**
 * Spring AI failures as Fusion's typed {@link ProviderException}s (messages redacted, no cause kept).
 * Spring AI models throw their client library's exceptions (the OpenAI SDK's, Spring's
 * {@code RestClientResponseException}, …), which share no type; the HTTP status is read from the
 * first exception in the cause chain with a public {@code int statusCode()},
 * {@code int getRawStatusCode()} or {@code getStatusCode().value()}.
 */
public final class Failures {

    private Failures() {
    }

    /** The Fusion failure for what a Spring AI model threw. */
    public static ProviderException of(Throwable t) {
        if (t instanceof ProviderException p) {
            return p;
        }
        String what = "Spring AI " + t.getClass().getSimpleName();
        String detail = Redaction.safe(t.getMessage());
        String message = detail.isEmpty() ? what : what + ": " + detail;
        int status = httpStatus(t);
        if (status > 0) {
            return new ProviderException(ProviderException.Kind.HTTP_STATUS, status, null, null,
                    ProviderException.isRetryableStatus(status), null, null, message, null);
        }
        if (hasCause(t, java.util.concurrent.TimeoutException.class) || hasCause(t, java.net.SocketTimeoutException.class)) {
            return new ProviderException(ProviderException.Kind.TRANSPORT, -1, "timeout", null, true, null, null, message, null);
        }
        boolean transport = hasCause(t, java.io.IOException.class) || named(t, "TransientAiException");
        return new ProviderException(transport ? ProviderException.Kind.TRANSPORT : ProviderException.Kind.MALFORMED_RESPONSE,
                -1, transport ? "connection_error" : "spring_ai_error", null, transport, null, null, message, null);
    }

    static int httpStatus(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            int s = status(c);
            if (s >= 100 && s <= 599) {
                return s;
            }
        }
        return -1;
    }

    private static int status(Throwable t) {
        for (String name : new String[] {"statusCode", "getRawStatusCode"}) {
            Object v = invoke(t, name);
            if (v instanceof Integer i) {
                return i;
            }
        }
        Object code = invoke(t, "getStatusCode");
        if (code instanceof Integer i) {
            return i;
        }
        if (code != null) {
            Object v = invoke(code, "value");
            if (v instanceof Integer i) {
                return i;
            }
        }
        return -1;
    }

    private static Object invoke(Object target, String name) {
        try {
            Method m = target.getClass().getMethod(name);
            return m.getParameterCount() == 0 ? m.invoke(target) : null;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    private static boolean named(Throwable t, String simpleName) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            for (Class<?> k = c.getClass(); k != null; k = k.getSuperclass()) {
                if (k.getSimpleName().equals(simpleName)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }
}
