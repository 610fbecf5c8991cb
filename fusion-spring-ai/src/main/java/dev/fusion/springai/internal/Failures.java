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

    /**
     * The Fusion failure for what a Spring AI model threw: the status read from the client library's
     * exception, the rest ({@link ProviderException#fromFramework}, with core's redaction) shared with every adapter.
     */
    public static ProviderException of(Throwable t) {
        if (t instanceof ProviderException p) {
            return p;
        }
        boolean timeout = ProviderException.hasCause(t, java.util.concurrent.TimeoutException.class)
                || ProviderException.hasCause(t, java.net.SocketTimeoutException.class);
        boolean transport = ProviderException.hasCause(t, java.io.IOException.class) || named(t, "TransientAiException");
        return ProviderException.fromFramework("Spring AI", t, httpStatus(t), timeout, transport, "spring_ai_error");
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
    }}
