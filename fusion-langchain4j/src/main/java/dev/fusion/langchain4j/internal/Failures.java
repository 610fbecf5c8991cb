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

    /**
     * The Fusion failure for what a LangChain4j model threw: the status from LangChain4j's exception types,
     * the rest ({@link ProviderException#fromFramework}, with core's redaction) shared with every adapter.
     */
    public static ProviderException of(Throwable t) {
        if (t instanceof ProviderException p) {
            return p;
        }
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
        boolean timeout = t instanceof TimeoutException
                || ProviderException.hasCause(t, java.net.http.HttpTimeoutException.class);
        boolean transport = t instanceof RetriableException || ProviderException.hasCause(t, java.io.IOException.class);
        return ProviderException.fromFramework("LangChain4j", t, status, timeout, transport, "langchain4j_error");
    }

    private static int httpStatus(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof HttpException h) {
                return h.statusCode();
            }
        }
        return -1;
    }
}
