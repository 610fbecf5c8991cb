package dev.fusion.model;

import java.security.CodeSource;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Describes a {@link LinkageError} for a person: what is missing and, when the class involved can be
 * found, which jar it was loaded from (the usual cause is a second, incompatible version of a library that
 * the application's build picked). Stateless; thread-safe.
 */
final class LinkageDescription {

    /** The declaring class in a JVM method or field description: {@code 'ret pkg.Cls.name(args)'}. */
    private static final Pattern MEMBER = Pattern.compile("([\\w$]+(?:\\.[\\w$]+)+)\\.[\\w$<>]+(?:\\(|'|$)");
    private static final int MAX_MESSAGE = 400;

    private LinkageDescription() {
    }

    static String of(LinkageError error) {
        String detail = error.getMessage() == null ? "" : error.getMessage();
        if (detail.length() > MAX_MESSAGE) {
            detail = detail.substring(0, MAX_MESSAGE) + "…";
        }
        StringBuilder sb = new StringBuilder("the class path is inconsistent: ")
                .append(error.getClass().getSimpleName());
        if (!detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        String className = className(error, detail);
        String origin = className == null ? null : origin(className);
        if (origin != null) {
            sb.append(" (").append(className).append(" loaded from ").append(origin).append(')');
        }
        sb.append("; two incompatible versions of a library are on the class path (check the build's dependency"
                + " tree, e.g. mvn dependency:tree, and the compatibility notes)");
        return sb.toString();
    }

    private static String className(LinkageError error, String detail) {
        if (error instanceof NoClassDefFoundError) {
            return null; // the class itself is missing: nothing to locate
        }
        Matcher m = MEMBER.matcher(detail);
        return m.find() ? m.group(1) : null;
    }

    private static String origin(String className) {
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            Class<?> type = Class.forName(className, false, loader != null ? loader : LinkageDescription.class.getClassLoader());
            CodeSource source = type.getProtectionDomain().getCodeSource();
            return source == null || source.getLocation() == null ? null : source.getLocation().toString();
        } catch (ClassNotFoundException | LinkageError | SecurityException e) {
            return null;
        }
    }
}
