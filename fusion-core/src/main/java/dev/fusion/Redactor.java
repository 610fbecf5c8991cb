package dev.fusion;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one redactor for every string that leaves Fusion: exception messages, call errors, log lines,
 * JSON output and the CLI's files. It holds every API key the process has resolved
 * ({@link #register}, called whenever a key is read) and {@link #redact} removes from a text every
 * occurrence of a key <em>and every run of {@value #RUN} or more consecutive characters of any key</em>
 * (a key cut by a snippet, echoed in part, or split across fields), replacing each run with
 * {@value #MASK}.
 *
 * <p>Keys shorter than {@value #RUN} characters are masked only where they appear whole, and only
 * when at least {@value #MIN_KEY} characters long (a dummy key such as {@code "x"} for a local server
 * is not a secret worth destroying every text for).
 *
 * <p>Thread-safe: registration copies an immutable snapshot that {@link #redact} reads without
 * locking. Keys are held for the life of the process (there are a handful per process).
 */
public final class Redactor {

    /** The shortest run of a key's characters that is masked wherever it appears. */
    public static final int RUN = 8;
    /** The shortest key that is registered at all. */
    public static final int MIN_KEY = 4;
    /** What replaces a masked run. */
    public static final String MASK = "***";
    /** The most characters {@link #redactForeign} keeps of a message. */
    public static final int FOREIGN_MAX_CHARS = 300;
    /**
     * Credential shapes in a message from outside Fusion: an {@code sk-…} key, {@code key-…}, a bearer
     * token, a masked key ({@code ab***cd}) and any long opaque token.
     */
    private static final java.util.regex.Pattern CREDENTIAL_SHAPE = java.util.regex.Pattern.compile(
            "(?i)(sk-[A-Za-z0-9_*.\\-]*|key[-_]?[A-Za-z0-9_*.\\-]{6,}|Bearer\\s+\\S+|[A-Za-z0-9_\\-]*\\*{3,}[A-Za-z0-9_\\-]*|[A-Za-z0-9_\\-]{32,})");

    private static final long BASE = 1_000_003L;
    private static final long TOP; // BASE^(RUN-1), for the rolling hash

    static {
        long t = 1;
        for (int i = 0; i < RUN - 1; i++) {
            t *= BASE;
        }
        TOP = t;
    }

    /** An immutable view of the registered keys: whole short keys, and the hashes of every RUN-gram. */
    private record Snapshot(List<String> keys, List<String> shortKeys, Map<Long, String[]> grams) {
    }

    private static volatile Snapshot snapshot = new Snapshot(List.of(), List.of(), Map.of());

    private Redactor() {
    }

    /**
     * Adds a key to the set every text is scrubbed of. Null, blank and very short values are ignored;
     * surrounding whitespace is ignored too (the key is registered both as given and trimmed).
     */
    public static void register(String key) {
        if (key == null) {
            return;
        }
        String trimmed = key.strip();
        add(key);
        if (!trimmed.equals(key)) {
            add(trimmed);
        }
    }

    private static synchronized void add(String key) {
        if (key.isBlank() || key.length() < MIN_KEY || snapshot.keys().contains(key)) {
            return;
        }
        Snapshot s = snapshot;
        List<String> keys = new ArrayList<>(s.keys());
        keys.add(key);
        List<String> shortKeys = new ArrayList<>(s.shortKeys());
        Map<Long, String[]> grams = new HashMap<>(s.grams());
        if (key.length() < RUN) {
            shortKeys.add(key);
        } else {
            for (int i = 0; i + RUN <= key.length(); i++) {
                String gram = key.substring(i, i + RUN);
                long h = hash(gram, 0);
                String[] known = grams.get(h);
                if (known == null) {
                    grams.put(h, new String[] {gram});
                } else if (!Arrays.asList(known).contains(gram)) {
                    String[] more = Arrays.copyOf(known, known.length + 1);
                    more[known.length] = gram;
                    grams.put(h, more);
                }
            }
        }
        snapshot = new Snapshot(List.copyOf(keys), List.copyOf(shortKeys), Map.copyOf(grams));
    }

    /** Environment variables whose values {@link #registerEnvironment} takes as keys: names with these words. */
    private static final java.util.regex.Pattern SECRET_VARIABLE = java.util.regex.Pattern.compile(
            "(?i).*(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL).*");
    /** The shortest environment value taken as a key (shorter values are flags and names, not secrets). */
    static final int MIN_ENV_KEY = 16;
    private static volatile boolean environmentRegistered;

    /**
     * Registers the value of every environment variable whose name holds {@code KEY}, {@code TOKEN},
     * {@code SECRET}, {@code PASSWORD} or {@code CREDENTIAL} and whose value is at least 16 characters
     * without whitespace: the keys a process holds for models Fusion does not build itself (a LangChain4j
     * or Spring AI model given {@code System.getenv("AWS_SECRET_ACCESS_KEY")}), so a key of any shape that
     * such a model's error echoes is masked. The model adapters call it; idempotent and cheap after the
     * first call.
     */
    public static void registerEnvironment() {
        if (environmentRegistered) {
            return;
        }
        java.util.Map<String, String> env;
        try {
            env = System.getenv();
        } catch (SecurityException e) {
            return;
        }
        env.forEach((name, value) -> {
            if (value != null && value.strip().length() >= MIN_ENV_KEY && SECRET_VARIABLE.matcher(name).matches()
                    && value.strip().chars().noneMatch(Character::isWhitespace)) {
                register(value);
            }
        });
        environmentRegistered = true;
    }

    /** Whether any key is registered. */
    public static boolean active() {
        return !snapshot.keys().isEmpty();
    }

    /**
     * The text with every registered key and every run of {@value #RUN}+ consecutive characters of a
     * key replaced by {@value #MASK}. Null stays null; a text holding nothing of a key is returned as is.
     */
    public static String redact(String text) {
        Snapshot s = snapshot;
        if (text == null || s.keys().isEmpty()) {
            return text;
        }
        String out = text;
        for (String k : s.shortKeys()) {
            out = out.replace(k, MASK);
        }
        if (s.grams().isEmpty() || out.length() < RUN) {
            return out;
        }
        boolean[] masked = null;
        long h = hash(out, 0);
        for (int i = 0; ; i++) {
            String[] candidates = s.grams().get(h);
            if (candidates != null) {
                for (String g : candidates) {
                    if (out.regionMatches(i, g, 0, RUN)) {
                        if (masked == null) {
                            masked = new boolean[out.length()];
                        }
                        Arrays.fill(masked, i, i + RUN, true);
                        break;
                    }
                }
            }
            if (i + RUN >= out.length()) {
                break;
            }
            h = (h - out.charAt(i) * TOP) * BASE + out.charAt(i + RUN);
        }
        if (masked == null) {
            return out;
        }
        StringBuilder sb = new StringBuilder(out.length());
        for (int i = 0; i < out.length(); i++) {
            if (!masked[i]) {
                sb.append(out.charAt(i));
            } else if (i == 0 || !masked[i - 1]) {
                sb.append(MASK);
            }
        }
        return sb.toString();
    }

    /**
     * A message from outside Fusion (what a framework a model adapter wraps threw, which may quote the
     * provider's error body and so part of a key) made safe to keep: every registered key and run of one
     * masked as {@link #redact} does, then anything shaped like a credential (an {@code sk-…} key, a
     * bearer token, a masked key, a long opaque token) replaced by {@code [redacted]}, whitespace
     * collapsed, at most {@value #FOREIGN_MAX_CHARS} characters (then {@code …}). Null or blank gives
     * {@code ""}. A key of any shape (with {@code /} or {@code +}, as cloud keys have) is masked only when it
     * is registered: register the keys of models Fusion does not build with {@link #register}.
     */
    public static String redactForeign(String message) {
        if (message == null || message.isBlank()) {
            return "";
        }
        String s = message.length() > 4 * FOREIGN_MAX_CHARS ? message.substring(0, 4 * FOREIGN_MAX_CHARS) : message;
        s = redact(s);
        s = CREDENTIAL_SHAPE.matcher(s).replaceAll("[redacted]").replaceAll("\\s+", " ").trim();
        return s.length() > FOREIGN_MAX_CHARS ? s.substring(0, FOREIGN_MAX_CHARS) + "…" : s;
    }

    /**
     * The throwable itself when nothing in its chain (messages, causes, suppressed) holds key
     * material; otherwise an equivalent chain whose messages are redacted. The substitute of a
     * throwable is a {@link RedactedException} naming the original class and keeping its stack trace.
     */
    public static Throwable scrub(Throwable t) {
        if (t == null || !active() || clean(t, 0)) {
            return t;
        }
        return copy(t, 0);
    }

    private static boolean clean(Throwable t, int depth) {
        if (t == null || depth > 16) {
            return true;
        }
        String m = t.getMessage();
        if (m != null && !m.equals(redact(m))) {
            return false;
        }
        for (Throwable s : t.getSuppressed()) {
            if (!clean(s, depth + 1)) {
                return false;
            }
        }
        return t.getCause() == t || clean(t.getCause(), depth + 1);
    }

    private static Throwable copy(Throwable t, int depth) {
        if (t == null || depth > 16) {
            return null;
        }
        if (clean(t, depth)) {
            return t;
        }
        Throwable cause = t.getCause() == t ? null : copy(t.getCause(), depth + 1);
        RedactedException r = new RedactedException(t.getClass().getName(), redact(t.getMessage()), cause);
        r.setStackTrace(t.getStackTrace());
        for (Throwable s : t.getSuppressed()) {
            r.addSuppressed(copy(s, depth + 1));
        }
        return r;
    }

    private static long hash(String s, int from) {
        long h = 0;
        for (int i = from; i < from + RUN; i++) {
            h = h * BASE + s.charAt(i);
        }
        return h;
    }

    /**
     * Stands in for an exception whose message held key material: same stack trace, redacted
     * message, and the original class name in {@link #toString()}.
     */
    public static final class RedactedException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final String originalClass;

        RedactedException(String originalClass, String message, Throwable cause) {
            super(message, cause);
            this.originalClass = originalClass;
        }

        /** The class of the exception this one replaces. */
        public String originalClass() {
            return originalClass;
        }

        @Override
        public String toString() {
            String m = getLocalizedMessage();
            return originalClass + " (redacted)" + (m != null ? ": " + m : "");
        }
    }
}
