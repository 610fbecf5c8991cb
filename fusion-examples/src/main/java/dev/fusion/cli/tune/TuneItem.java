package dev.fusion.cli.tune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cli.eval.EvalItem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One item of a tune data set: a {@code fusion eval} item ({@link EvalItem}: id, question, reference,
 * grading) plus an optional {@code "grader": {...}} of its own ({@link Grader}). {@code grading} may
 * also name any grader type ({@code numeric}, {@code json}, ...). Immutable.
 *
 * @param item   the eval item
 * @param grader the item's own grader, or null (the dataset's grader, else the item's grading)
 */
public record TuneItem(EvalItem item, Grader grader) {

    /** The data file is refused above this size. */
    public static final long MAX_BYTES = 32L * 1024 * 1024;
    /** At most this many items. */
    public static final int MAX_ITEMS = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> EVAL_GRADINGS = Set.of("exact", "contains", "regex", "judge");

    /** Reads a JSONL data set (blank lines and lines starting with # or // are skipped), as {@code fusion eval} does. */
    public static List<TuneItem> read(Path file) throws IOException {
        if (Files.size(file) > MAX_BYTES) {
            throw new IllegalArgumentException(file + " is over " + MAX_BYTES / (1024 * 1024) + " MiB");
        }
        List<TuneItem> items = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        int line = 0;
        for (String s : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            line++;
            String t = s.trim();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("//")) {
                continue;
            }
            JsonNode n;
            try {
                n = JSON.readTree(t);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " line " + line + ": not valid JSON");
            }
            if (!n.isObject()) {
                throw new IllegalArgumentException(file + " line " + line + ": expected a JSON object with question and reference");
            }
            ObjectNode o = (ObjectNode) n.deepCopy();
            Grader grader = null;
            if (o.hasNonNull("grader")) {
                grader = Grader.parse(o.get("grader"), file + " line " + line + ": grader");
                o.remove("grader");
            }
            if (o.hasNonNull("grading") && !EVAL_GRADINGS.contains(o.get("grading").asText().trim().toLowerCase(java.util.Locale.ROOT))) {
                if (grader == null) {
                    grader = Grader.parse(o.get("grading"), file + " line " + line + ": grading");
                }
                o.remove("grading");
            }
            EvalItem item;
            try {
                item = EvalItem.parse(o, line);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " " + e.getMessage());
            }
            if (grader != null) {
                grader.checkReference(item.reference(), file + " line " + line);
            }
            if (!ids.add(item.id())) {
                throw new IllegalArgumentException(file + " line " + line + ": duplicate id '" + item.id() + "'");
            }
            items.add(new TuneItem(item, grader));
            if (items.size() > MAX_ITEMS) {
                throw new IllegalArgumentException(file + " has more than " + MAX_ITEMS + " items");
            }
        }
        if (items.isEmpty()) {
            throw new IllegalArgumentException(file + " has no items");
        }
        return items;
    }

    /** The grader that applies: the item's own, else the dataset's, else the item's eval grading. */
    public Grader effectiveGrader(Grader datasetDefault) {
        if (grader != null) {
            return grader;
        }
        if (datasetDefault != null) {
            return datasetDefault;
        }
        return Grader.of(item.grading(), null);
    }
}
