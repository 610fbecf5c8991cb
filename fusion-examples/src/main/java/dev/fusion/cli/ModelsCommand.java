package dev.fusion.cli;

import dev.fusion.cli.render.CostTable;
import dev.fusion.cost.Price;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.PriceProvenance;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code fusion models}: the provider presets, which keys are set, and the bundled prices. */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List providers, keys present and bundled prices.")
final class ModelsCommand implements Callable<Integer> {

    @Option(names = "--prices", description = "Also list every bundled price (USD per million tokens) with the date it was"
            + " read, its age (STALE after " + PriceProvenance.STALE_AFTER_DAYS + " days) and where it came from.")
    boolean prices;

    @Override
    public Integer call() {
        FusionCli.Io io = FusionCli.io();
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"provider", "kind", "base URL", "key variable", "key set"});
        for (Map.Entry<String, ProviderSpec> e : Providers.presets().entrySet()) {
            ProviderSpec s = e.getValue();
            String var = s.apiKeyEnv() == null ? "(none: local)" : s.apiKeyEnv();
            boolean set = s.apiKeyEnv() != null && io.env.get(s.apiKeyEnv()) != null && !io.env.get(s.apiKeyEnv()).isBlank();
            rows.add(new String[] {e.getKey(), s.kind().name().toLowerCase(java.util.Locale.ROOT), s.baseUrl(), var,
                    s.apiKeyEnv() == null ? "-" : set ? "yes" : "no"});
        }
        int w = FusionCli.width(io.env);
        // the presets table whole: its key columns matter more than the width (the price list below fits COLUMNS)
        io.out.print(CostTable.table(rows));
        var book = BundledPrices.load();
        Map<String, PriceProvenance> provenance = PriceProvenance.bundled();
        long stale = provenance.values().stream().filter(pp -> pp.isStale(io.clock)).count();
        io.out.println();
        wrap("bundled price book: " + book.entries().size() + " models, compiled " + book.asOf() + "; "
                + stale + " price(s) read more than " + PriceProvenance.STALE_AFTER_DAYS + " days ago are STALE"
                + " (fusion-providers/PRICES.md lists the sources; docs/prices.md says how to override one)", w)
                .forEach(io.out::println);
        if (prices) {
            int width = FusionCli.width(io.env);
            List<String[]> p = new ArrayList<>();
            p.add(new String[] {"model", "input", "output", "cache r/w", "tiers", "read on", "age"});
            List<String> details = new ArrayList<>();
            for (Map.Entry<String, Price> e : book.entries().entrySet()) {
                var r = e.getValue().base();
                PriceProvenance pp = provenance.get(e.getKey());
                long age = pp == null ? -1 : pp.ageDays(io.clock);
                p.add(new String[] {e.getKey(), r.input().toPlainString(), r.output().toPlainString(),
                        r.effectiveCacheRead().toPlainString() + "/" + r.effectiveCacheWrite().toPlainString(),
                        Integer.toString(e.getValue().tiers().size()), String.valueOf(e.getValue().asOf()),
                        age < 0 ? "?" : age + "d" + (pp.isStale(io.clock) ? " STALE" : "")});
                details.add(pp == null ? "source " + e.getValue().source()
                        : (pp.fromVendorPage() ? "read on a copy of the vendor page " : "secondary source ") + pp.source()
                        + (pp.fromVendorPage() ? "" : "; verify at " + pp.vendorSource()));
            }
            // The figures as a table fitted to the terminal (COLUMNS); where each came from on an indented line
            // under its row, cut at the end when the terminal is narrower than the address.
            String[][] fitted = CostTable.fitIds(p, 0, width);
            List<String> rowTexts = CostTable.rowTexts(fitted != null ? java.util.Arrays.asList(fitted) : p);
            if (rowTexts.stream().flatMap(String::lines).allMatch(l -> l.length() <= width)) {
                rowTexts.get(0).lines().forEach(io.out::println);
                for (int i = 1; i < rowTexts.size(); i++) {
                    rowTexts.get(i).lines().forEach(io.out::println);
                    io.out.println(clip("    " + details.get(i - 1), width));
                }
            } else {
                // too narrow for the table: each model on its own line, its figures and date under it
                String[] head = p.get(0);
                for (int i = 1; i < p.size(); i++) {
                    String[] row = p.get(i);
                    io.out.println(clip(row[0], width));
                    StringBuilder figures = new StringBuilder();
                    for (int c = 1; c < head.length - 2; c++) {
                        figures.append(' ').append(head[c]).append(' ').append(row[c]).append(',');
                    }
                    figures.append(" read on ").append(row[head.length - 2]).append("  ").append(row[head.length - 1]);
                    wrap(figures.toString().strip(), width - 4).forEach(l -> io.out.println("    " + l));
                    io.out.println(clip("    " + details.get(i - 1), width));
                }
            }
        }
        return 0;
    }

    /** Text broken into lines of at most {@code width} columns at spaces (a longer word is cut at its end). */
    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word);
        }
        out.add(line.toString());
        return out.stream().map(l -> clip(l, width)).toList();
    }

    /** The line cut at its end to {@code width} columns (never in the middle of a word's start). */
    static String clip(String line, int width) {
        return line.length() <= width ? line : line.substring(0, Math.max(1, width - 1)) + dev.fusion.cli.render.Ids.ELLIPSIS;
    }
}
