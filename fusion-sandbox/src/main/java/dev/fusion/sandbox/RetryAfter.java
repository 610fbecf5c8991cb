package dev.fusion.sandbox;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * How a throttling response tells the client when to come back, in each form seen in the field:
 * {@code retry-after-ms} (OpenAI/Anthropic SDK extension, milliseconds), {@code Retry-After} in
 * delta-seconds, and {@code Retry-After} as an HTTP-date (RFC 9110 §10.2.3). Immutable.
 */
public final class RetryAfter {

    private enum Form { MILLIS, SECONDS, HTTP_DATE }

    /** IMF-fixdate, the preferred HTTP-date format (RFC 9110 §5.6.7), e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", java.util.Locale.US);

    private final Form form;
    private final Duration delay;

    private RetryAfter(Form form, Duration delay) {
        this.form = form;
        this.delay = Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) {
            throw new IllegalArgumentException("retry delay cannot be negative: " + delay);
        }
    }

    /** {@code retry-after-ms: <millis>}. */
    public static RetryAfter millis(long millis) {
        return new RetryAfter(Form.MILLIS, Duration.ofMillis(millis));
    }

    /** {@code Retry-After: <seconds>}. */
    public static RetryAfter seconds(long seconds) {
        return new RetryAfter(Form.SECONDS, Duration.ofSeconds(seconds));
    }

    /**
     * {@code Retry-After: <HTTP-date>} naming the instant {@code delay} after the response is sent
     * (HTTP-dates have one-second resolution, so the client sees it rounded up to whole seconds).
     */
    public static RetryAfter httpDate(Duration delay) {
        return new RetryAfter(Form.HTTP_DATE, delay);
    }

    /** The delay this header expresses. */
    public Duration delay() {
        return delay;
    }

    /** The header name this form uses: {@code retry-after-ms} or {@code Retry-After}. */
    public String headerName() {
        return form == Form.MILLIS ? "retry-after-ms" : "Retry-After";
    }

    /** The header value as sent at {@code now}. */
    public String headerValue(Instant now) {
        switch (form) {
            case MILLIS:
                return Long.toString(delay.toMillis());
            case SECONDS:
                return Long.toString(delay.toSeconds());
            default:
                // Round up so the named instant is never earlier than asked for.
                long secs = delay.toSeconds() + (delay.toNanosPart() > 0 ? 1 : 0);
                Instant at = now.plusSeconds(secs).plusSeconds(now.getNano() > 0 ? 1 : 0);
                return IMF_FIXDATE.format(at.atOffset(ZoneOffset.UTC));
        }
    }

    @Override
    public String toString() {
        return headerName() + " (" + form.name().toLowerCase(java.util.Locale.ROOT) + ", " + delay + ")";
    }
}
