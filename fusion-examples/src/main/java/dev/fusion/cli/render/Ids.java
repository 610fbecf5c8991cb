package dev.fusion.cli.render;

import java.util.ArrayList;
import java.util.List;

/**
 * Fits model ids into narrow table columns without cutting the middle of an id: an id that does not fit is
 * wrapped after its {@code provider:} part (and after {@code /} in {@code vendor/model} names), and only a
 * piece that still does not fit is cut at its end. Stateless.
 */
public final class Ids {

    /** Marks where an id was cut. */
    public static final String ELLIPSIS = "…";

    private Ids() {
    }

    /**
     * {@code id} on one line of at most {@code max} characters: unchanged when it fits, else its end is cut
     * ({@code sandbox-anthropic:sandbox-sc…}); the beginning, which names the provider, is always kept.
     */
    public static String shorten(String id, int max) {
        if (id.length() <= max) {
            return id;
        }
        if (max <= 1) {
            return ELLIPSIS;
        }
        return id.substring(0, max - 1) + ELLIPSIS;
    }

    /**
     * {@code id} as lines of at most {@code max} characters, joined with {@code \n}: unchanged when it fits;
     * else broken after {@code :} and {@code /} (so {@code sandbox-anthropic:} and {@code sandbox-scholar}
     * each stay whole), pieces packed greedily, and a piece longer than {@code max} cut at its end.
     */
    public static String wrap(String id, int max) {
        if (id.length() <= max) {
            return id;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == ':' || c == '/') {
                pieces.add(id.substring(start, i + 1));
                start = i + 1;
            }
        }
        if (start < id.length()) {
            pieces.add(id.substring(start));
        }
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String p : pieces) {
            if (line.length() > 0 && line.length() + p.length() > max) {
                lines.add(line.toString());
                line.setLength(0);
            }
            line.append(p);
        }
        lines.add(line.toString());
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(shorten(l, max));
        }
        return String.join("\n", out);
    }
}
