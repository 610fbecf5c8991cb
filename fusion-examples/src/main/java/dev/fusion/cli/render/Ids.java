package dev.fusion.cli.render;

/** Shortens model ids for narrow tables, keeping the part that tells models apart. Stateless. */
public final class Ids {

    /** Marks where an id was shortened. */
    public static final String ELLIPSIS = "…";

    private Ids() {
    }

    /**
     * {@code id} in at most {@code max} characters: unchanged when it fits; else the provider part of
     * {@code provider:model} is cut first ({@code sandbox-a…:sandbox-scholar}), since the model part
     * usually tells members apart; else the middle of the whole id is cut ({@code open…-v4-pro}).
     */
    public static String shorten(String id, int max) {
        if (id.length() <= max) {
            return id;
        }
        if (max <= 1) {
            return ELLIPSIS;
        }
        int colon = id.indexOf(':');
        if (colon > 0) {
            String model = id.substring(colon + 1);
            int keep = max - model.length() - 2; // provider chars kept, before the ellipsis and ':'
            if (keep >= 1) {
                return id.substring(0, keep) + ELLIPSIS + ":" + model;
            }
        }
        int head = (max - 1 + 1) / 2;
        int tail = max - 1 - head;
        return id.substring(0, head) + ELLIPSIS + id.substring(id.length() - tail);
    }
}
