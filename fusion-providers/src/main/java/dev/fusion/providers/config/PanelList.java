package dev.fusion.providers.config;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.RandomAccess;

/**
 * The value of the {@code panel} key: its model strings as a list (what {@link FusionSpec#panel()}
 * has always returned), carrying each entry's own settings ({@link FusionSpec.PanelEntry}) for
 * {@link FusionSpec#panelEntries()}. As a {@link List} it is the list of model strings, with the
 * {@code List} contract's equality; {@link FusionSpec#equals} compares the entries as well.
 * Immutable and thread-safe. Internal.
 */
final class PanelList extends AbstractList<String> implements RandomAccess {
    private final List<FusionSpec.PanelEntry> entries;

    private PanelList(List<FusionSpec.PanelEntry> entries) {
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
    }

    /** The entries as given. */
    static PanelList ofEntries(List<FusionSpec.PanelEntry> entries) {
        return new PanelList(entries);
    }

    /** A copy of {@code models}: a {@code PanelList} keeps its entries, plain strings become entries without settings. */
    static PanelList copyOf(List<String> models) {
        if (models instanceof PanelList p) {
            return p;
        }
        List<FusionSpec.PanelEntry> out = new ArrayList<>(models.size());
        for (String m : models) {
            out.add(FusionSpec.PanelEntry.of(m));
        }
        return new PanelList(out);
    }

    List<FusionSpec.PanelEntry> entries() {
        return entries;
    }

    @Override
    public String get(int index) {
        return entries.get(index).model();
    }

    @Override
    public int size() {
        return entries.size();
    }
}
