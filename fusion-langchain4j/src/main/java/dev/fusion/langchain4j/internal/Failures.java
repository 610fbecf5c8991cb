package dev.fusion.langchain4j.internal;

import dev.fusion.model.ProviderException;
import dev.langchain4j.exception.AuthenticationException;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.exception.InternalServerException;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.ModelNotFoundException;
import dev.langchain4j.exception.RateLimitException;
import dev.langchain4j.exception.RetriableException;
import dev.langchain4j.exception.TimeoutException;

/** LangChain4j failures as Fusion's typed {@link ProviderException}s (messages redacted, no cause kept). */
public final class Failures {

    private Failures() {
    }

    /** The Fusion failure for what a LangChain4j model threw. */
    public static ProviderException of(Throwable t) {
        if (t instanceof ProviderException p) {
            return p;
        }
        String what = "LangChain4j " + t.getClass().getSimpleName();
        String detail = Redaction.safe(t.getMessage());
        String message = detail.isEmpty() ? what : what + ": " + detail;
        int status = httpStatus(t);
        if (status <= 0) {
            if (t instanceof RateLimitException) {
                status = 429;
            } else if (t instanceof AuthenticationException) {
                status = 401;
            } else if (t instanceof ModelNotFoundException) {
                status = 404;
            } else if (t instanceof InvalidRequestException) {
                status = 400;
            } else if (t instanceof InternalServerException) {
                status = 500;
            }
        }
        if (status > 0) {
            return new ProviderException(ProviderException.Kind.HTTP_STATUS, status, null, null,
                    ProviderException.isRetryableStatus(status), null, null, message, null);
        }
        if (t instanceof TimeoutException || hasCause(t, java.net.http.HttpTimeoutException.class)) {
            return new ProviderException(ProviderException.Kind.TRANSPORT, -1, "timeout", null, true, null, null,
                    message, null);
        }
        boolean transport = t instanceof RetriableException || hasCause(t, java.io.IOException.class);
        return new ProviderException(transport ? ProviderException.Kind.TRANSPORT : ProviderException.Kind.MALFORMED_RESPONSE,
                -1, transport ? "connection_error" : "langchain4j_error", null, transport, null, null, message, null);
    }

    private static int httpStatus(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HttpException h) {
                return h.statusCode();
            }
        }
        return -1;
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
