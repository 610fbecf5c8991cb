package dev.fusion.cli.render;

import dev.fusion.CallRecord;
import dev.fusion.FusionEvent;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shows an ask's progress from its {@link FusionEvent}s. On a terminal: a live table, one row per
 * member (waiting, answering, ok, failed, with latency, tokens and cost), redrawn in place; then the
 * judge's text as it streams. Not on a terminal: one plain line per member event, and the judge's
 * text only when {@code streamJudge}. Events arrive serially, so no locking is needed.
 */
public final class Progress {

    private final PrintStream out;
    private final PrintStream answerOut;
    private final boolean ansi;
    private final boolean streamJudge;
    private final String prefix;
    private final Map<String, String[]> rows = new LinkedHashMap<>();
    private int drawnLines;
    private boolean judgeStreaming;
    private boolean atLineStart = true;
    private final long t0 = System.nanoTime();

    /**
     * @param out       where progress goes (the live table on a terminal, plain lines otherwise)
     * @param answerOut where the streamed judge text goes (standard output)
     */
    public Progress(PrintStream out, PrintStream answerOut, boolean ansi, boolean streamJudge, String prefix) {
        this.out = out;
        this.answerOut = answerOut;
        this.ansi = ansi;
        this.streamJudge = streamJudge;
        this.prefix = prefix == null ? "" : prefix;
    }

    /** Whether the judge's text was printed as it streamed (so it need not be printed again). */
    public boolean printedAnswer() {
        return judgeStreaming;
    }

    public void on(FusionEvent e) {
        if (e instanceof FusionEvent.MemberStarted s) {
            rows.put(s.memberId(), new String[] {s.memberId(), "answering", "", "", ""});
            if (!ansi) {
                out.println(prefix + "started  " + s.memberId());
            }
        } else if (e instanceof FusionEvent.MemberAnswered a) {
            row(a.record());
        } else if (e instanceof FusionEvent.MemberFailed f) {
            row(f.record());
        } else if (e instanceof FusionEvent.JudgeStarted j) {
            if (ansi) {
                redraw();
            }
            out.println(prefix + "judge " + j.judgeId() + " is merging " + j.answerOrder().size() + " answer(s)...");
            if (ansi || streamJudge) {
                judgeStreaming = true;
                atLineStart = true;
                answerOut.println();
            }
        } else if (e instanceof FusionEvent.JudgeDelta d) {
            if (judgeStreaming) {
                // Every line carries the prefix (the sandbox label), also when streamed.
                StringBuilder sb = new StringBuilder();
                String t = d.text();
                for (int i = 0; i < t.length(); i++) {
                    char ch = t.charAt(i);
                    if (atLineStart) {
                        if (!t.startsWith(prefix, i)) {
                            sb.append(prefix);
                        }
                        atLineStart = false;
                    }
                    sb.append(ch);
                    if (ch == '\n') {
                        atLineStart = true;
                    }
                }
                answerOut.print(sb);
                answerOut.flush();
            }
        } else if (e instanceof FusionEvent.JudgeFailed f) {
            if (judgeStreaming) {
                answerOut.println();
                answerOut.println(prefix + "[judge " + f.record().memberId() + " " + f.record().status().wireName()
                        + ": " + f.record().error() + "]");
            } else {
                out.println(prefix + "judge " + f.record().memberId() + " " + f.record().status().wireName() + ": " + f.record().error());
            }
        } else if (e instanceof FusionEvent.JudgeTextDiscarded d) {
            if (judgeStreaming) {
                answerOut.println(prefix + "[partial answer discarded: the " + d.chars() + " characters above from judge "
                        + d.judgeId() + " are not the answer; the replacement follows]");
                answerOut.flush();
            }
        } else if (e instanceof FusionEvent.Completed c) {
            if (judgeStreaming) {
                answerOut.println();
                answerOut.println();
            }
        }
    }

    private void row(CallRecord r) {
        String tokens = r.usage().promptTokens() + "->" + r.usage().completionTokens();
        rows.put(r.memberId(), new String[] {r.memberId(), r.status().wireName(), r.latency().toMillis() + "ms",
                tokens, r.cost().usd().map(Money::usd).orElse("unpriced")});
        if (ansi) {
            redraw();
        } else {
            out.println(prefix + String.format("%-9s", r.status().wireName()) + r.memberId() + "  " + r.latency().toMillis()
                    + "ms  " + tokens + " tokens  " + r.cost().usd().map(Money::usd).orElse("unpriced")
                    + (r.error() != null ? "  (" + r.error() + ")" : ""));
        }
    }

    private void redraw() {
        if (drawnLines > 0) {
            out.print("\u001b[" + drawnLines + "F\u001b[J"); // up N lines, clear to end
        }
        java.util.List<String[]> table = new java.util.ArrayList<>();
        table.add(new String[] {"member", "status", "latency", "tokens", "cost"});
        table.addAll(rows.values());
        String text = CostTable.table(table);
        out.print(text);
        out.println(prefix + "elapsed " + (System.nanoTime() - t0) / 1_000_000 + "ms");
        out.flush();
        drawnLines = table.size() + 1;
    }
}
