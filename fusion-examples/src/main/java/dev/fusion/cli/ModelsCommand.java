package dev.fusion.cli;

import dev.fusion.cli.render.CostTable;
import dev.fusion.cost.Price;
import dev.fusion.providers.BundledPrices;
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

    @Option(names = "--prices", description = "Also list every bundled price (USD per million tokens).")
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
        io.out.print(CostTable.table(rows));
        var book = BundledPrices.load();
        io.out.println();
        io.out.println("bundled price book: " + book.entries().size() + " models, as of " + book.asOf()
                + " (fusion-providers/PRICES.md lists the sources)");
        if (prices) {
            List<String[]> p = new ArrayList<>();
            p.add(new String[] {"model", "input", "output", "cache read", "cache write", "tiers", "as of", "source"});
            for (Map.Entry<String, Price> e : book.entries().entrySet()) {
                var r = e.getValue().base();
                p.add(new String[] {e.getKey(), r.input().toPlainString(), r.output().toPlainString(),
                        r.effectiveCacheRead().toPlainString(), r.effectiveCacheWrite().toPlainString(),
                        Integer.toString(e.getValue().tiers().size()), String.valueOf(e.getValue().asOf()),
                        e.getValue().source()});
            }
            io.out.print(CostTable.table(p));
        }
        return 0;
    }
}
