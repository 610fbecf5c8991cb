package dev.fusion.cli;

import dev.fusion.FusionSettings;
import dev.fusion.AskPlan;
import dev.fusion.FusionRequest;
import dev.fusion.Member;
import dev.fusion.cli.render.CostTable;
import dev.fusion.cli.render.Money;
import dev.fusion.cost.Price;
import dev.fusion.model.ModelRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code fusion preview "prompt"}: what an ask would cost before spending anything. Prompt tokens
 * are counted with jtokkit (o200k; ×1.3 for non-OpenAI tokenizers). Worst case: every answer uses
 * max output tokens. Typical case: answers of {@value #TYPICAL_ANSWER} tokens (capped by the max), a
 * stated assumption, not a measurement.
 */
@Command(name = "preview", mixinStandardHelpOptions = true,
        description = "Estimate what an ask would cost (per member, judge, total), next to the judge's model alone.")
final class PreviewCommand implements Callable<Integer> {

    static final int TYPICAL_ANSWER = 400;

    @Parameters(arity = "1..*", paramLabel = "PROMPT")
    String[] prompt;

    @Mixin
    CommonOptions common = new CommonOptions();

    @Override
    public Integer call() {
        FusionCli.Io io = FusionCli.io();
        String text = String.join(" ", prompt).trim();
        if (text.isEmpty()) {
            throw new CliException("the prompt is blank");
        }
        // Preview sends nothing, so it needs no keys (Setup.resolve with sendsNothing).
        try (Setup setup = Setup.resolve(common, io.env, true)) {
            String p = setup.linePrefix();
            setup.description.forEach(d -> io.err.println(p + d));
            FusionSettings s = setup.fusion.settings();
            int maxOut = s.maxOutputTokens();
            int judgeMax = s.judgeMaxOutputTokens();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"role", "model", "prompt tokens", "worst case", "typical"});
            BigDecimal worst = BigDecimal.ZERO;
            BigDecimal typical = BigDecimal.ZERO;
            boolean unpriced = false;
            int n = s.panel().size();
            for (Member m : s.panel()) {
                long in = s.estimator().estimate(m.model().ref(), text);
                BigDecimal[] c = costs(s, m.model().ref(), in, maxOut, Math.min(maxOut, TYPICAL_ANSWER));
                unpriced |= c == null;
                rows.add(row("panel", m.id(), in, c));
                if (c != null) {
                    worst = worst.add(c[0]);
                    typical = typical.add(c[1]);
                }
            }
            Member judge = s.judges().get(0);
            String judgeFrame = s.judgePrompt().system() + "\n" + s.judgePrompt().render(text, List.of());
            long frame = s.estimator().estimate(judge.model().ref(), judgeFrame);
            long judgeInWorst = frame + (long) Math.ceil(n * maxOut * 1.3);
            long judgeInTypical = frame + (long) Math.ceil(n * Math.min(maxOut, TYPICAL_ANSWER) * 1.3);
            Optional<Price> jp = s.priceBook().find(judge.model().ref());
            BigDecimal[] jc = jp.map(pr -> new BigDecimal[] {pr.worstCase(judgeInWorst, judgeMax),
                    pr.worstCase(judgeInTypical, Math.min(judgeMax, TYPICAL_ANSWER))}).orElse(null);
            unpriced |= jc == null;
            rows.add(row("judge", judge.id(), judgeInWorst, jc));
            if (jc != null) {
                worst = worst.add(jc[0]);
                typical = typical.add(jc[1]);
            }
            rows.add(new String[] {"total", "fusion", "", Money.usd(worst) + (unpriced ? " + unpriced" : ""),
                    Money.usd(typical) + (unpriced ? " + unpriced" : "")});
            long aloneIn = s.estimator().estimate(judge.model().ref(), text);
            BigDecimal[] alone = costs(s, judge.model().ref(), aloneIn, judgeMax, Math.min(judgeMax, TYPICAL_ANSWER));
            rows.add(row("alone", judge.id() + " (judge's model, no panel)", aloneIn, alone));
            String table = CostTable.table(rows);
            // stdout holds the figures; the sandbox label is on stderr (every description line above, and below)
            table.lines().forEach(io.out::println);
            io.out.println("worst case: every answer uses max output tokens (" + maxOut + " panel, " + judgeMax
                    + " judge) at the highest rates; typical: " + TYPICAL_ANSWER + "-token answers (an assumption).");
            // The ask's own budget planning: the same verdict, the same skipped members, the same exit code.
            AskPlan plan = setup.fusion.plan(FusionRequest.of(text));
            switch (plan.verdict()) {
                case EXCEEDED -> {
                    io.err.println("fusion: " + p + FusionCli.oneLine(CliTerms.translate(plan.exceeded().orElseThrow().getMessage())));
                    return 1;
                }
                case WITHIN_BUDGET -> {
                    io.out.println("limit " + Money.usd(plan.limitUsd()) + ": the ask reserves " + Money.usd(plan.reservedUsd())
                            + " (judges " + Money.usd(plan.judgeReservationUsd()) + ")"
                            + (plan.skipped().isEmpty() ? "; every member fits." : "; skipped:"));
                    plan.notes().forEach(note -> io.out.println("  " + note));
                }
                case UNBOUNDED -> {
                    // No budget or spend cap: nothing is reserved or skipped.
                }
            }
            if (setup.isSandbox()) {
                io.err.println(p + "the prices above are the offline sandbox's fictional ones");
            }
            return 0;
        }
    }

    private static BigDecimal[] costs(FusionSettings s, ModelRef ref, long in, int maxOut, int typicalOut) {
        return s.priceBook().find(ref).map(pr -> new BigDecimal[] {pr.worstCase(in, maxOut), pr.worstCase(in, typicalOut)})
                .orElse(null);
    }

    private static String[] row(String role, String id, long in, BigDecimal[] c) {
        return new String[] {role, id, Long.toString(in), c == null ? "unpriced" : Money.usd(c[0]),
                c == null ? "unpriced" : Money.usd(c[1])};
    }
}
