package dev.fusion.cli.render;

import dev.fusion.CallRecord;
import dev.fusion.FusionEvent;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shows an ask's progress from its {@link FusionEvent}s. On a terminal: a live table, one row per
 * member (waiting, answering, ok, failed, with latency, tokens and cost), redrawn in place, with an
 * elapsed clock that ticks on its own ({@link #TICK_MS} ms, on the given scheduler) until the judge
 * starts or {@link #close()}; every line is fitted to the terminal width (long ids shortened), so
 * the cursor moves back over exactly the lines drawn. Then the judge's text as it streams. Not on a
 * terminal: one plain line per member event, and the judge's text only when {@code streamJudge}.
 * Thread-safe: events and clock ticks draw under one lock.
 */
public final class Progress implements AutoCloseable {

    /** How often the live table's elapsed clock is redrawn. */
    public static final long TICK_MS = 200;

    private final PrintStream out;
    private final PrintStream answerOut;
    private final boolean ansi;
    private final boolean streamJudge;
    private final boolean answerLive;
    private final String prefix;
    private final int width;
    private final Scheduler clock;
    private final long t0;
    private final Map<String, String[]> rows = new LinkedHashMap<>();
    private int drawnLines;
    private boolean judgeStreaming;
    private boolean tableDone;
    private Disposable ticker;
    private boolean stopped;
    /** The panel round under way (layered rounds 2..K, a cascade's flagships); rows carry it when above 1. */
    private int round = 1;
    private int maxRound = 1;
    /** Whether "judge … is merging" was printed: analyze and select-best call the judge more than once. */
    private boolean judgeAnnounced;

    /**
     * @param out       where progress goes (the live table on a terminal, plain lines otherwise)
     * @param answerOut where the streamed judge text goes (standard output)
     */
    public Progress(PrintStream out, PrintStream answerOut, boolean ansi, boolean streamJudge, String prefix) {
        this(out, answerOut, ansi, streamJudge, prefix, CostTable.DEFAULT_WIDTH, Schedulers.parallel());
    }

    /**
     * @param width terminal columns the live table is fitted to
     * @param clock the scheduler whose clock times the ask and which runs the clock ticks
     */
    public Progress(PrintStream out, PrintStream answerOut, boolean ansi, boolean streamJudge, String prefix,
                    int width, Scheduler clock) {
        this(out, answerOut, ansi, streamJudge, prefix, width, clock, true);
    }

    /**
     * @param answerLive false when the judge's text must not be printed as it streams, whatever
     *                   {@code ansi} and {@code streamJudge} say: the caller prints the final answer
     *                   once itself (the CLI does so for a schema: the validated, pretty JSON)
     */
    public Progress(PrintStream out, PrintStream answerOut, boolean ansi, boolean streamJudge, String prefix,
                    int width, Scheduler clock, boolean answerLive) {
        this.answerLive = answerLive;
        this.out = out;
        this.answerOut = answerOut;
        this.ansi = ansi;
        this.streamJudge = streamJudge;
        this.prefix = prefix == null ? "" : prefix;
        this.width = Math.max(20, width);
        this.clock = clock;
        this.t0 = clock.now(TimeUnit.MILLISECONDS);
        if (ansi) {
            ticker = clock.schedulePeriodically(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Whether the judge's text was printed as it streamed (so it need not be printed again). */
    public synchronized boolean printedAnswer() {
        return judgeStreaming;
    }

    /** Whether the clock is still ticking. */
    public synchronized boolean ticking() {
        return ticker != null && !stopped;
    }

    /** Stops the clock (idempotent); call when the ask ends, however it ends. */
    @Override
    public synchronized void close() {
        stopped = true;
        if (ticker != null) {
            ticker.dispose();
        }
    }

    private synchronized void tick() {
        if (!stopped && !tableDone && !rows.isEmpty()) {
            redraw();
        }
    }

    public synchronized void on(FusionEvent e) {
        if (e instanceof FusionEvent.RoundStarted r) {
            round = r.round();
            maxRound = Math.max(maxRound, round);
            if (!ansi) {
                out.println(prefix + "round " + round + ": " + r.memberIds().size() + " member(s) answer again, seeing"
                        + " the previous round's answers");
            } else if (!tableDone) {
                redraw();
            }
        } else if (e instanceof FusionEvent.MemberStarted s) {
            rows.put(key(round, s.memberId()), new String[] {label(round, s.memberId()), "answering", "", "", ""});
            if (!ansi) {
                out.println(prefix + "started  " + label(round, s.memberId()));
            }
        } else if (e instanceof FusionEvent.MemberAnswered a) {
            row(a.record());
        } else if (e instanceof FusionEvent.MemberFailed f) {
            row(f.record());
        } else if (e instanceof FusionEvent.JudgeStarted j) {
            if (ansi && !tableDone) {
                redraw();
            }
            tableDone = true;
            close();
            if (!judgeAnnounced) {
                // once: analyze and select-best call the judge again (the answer, the reversed ranking)
                out.println(prefix + "judge " + j.judgeId() + " is merging " + j.answerOrder().size() + " answer(s)...");
                judgeAnnounced = true;
            }
            if ((ansi || streamJudge) && answerLive) {
                judgeStreaming = true;
                answerOut.println();
            }
        } else if (e instanceof FusionEvent.JudgeDelta d) {
            if (judgeStreaming) {
                // The answer as it arrives, as it is: no prefix (labels are never part of an answer).
                answerOut.print(d.text());
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
            tableDone = true;
            close();
            if (judgeStreaming) {
                answerOut.println();
                answerOut.println();
            }
        }
    }

    private static String key(int round, String memberId) {
        return round + "|" + memberId;
    }

    /** The member as the table shows it: its id, and the round after it from round 2 on. */
    private static String label(int round, String memberId) {
        return round > 1 ? memberId + " (round " + round + ")" : memberId;
    }

    private void row(CallRecord r) {
        String tokens = r.usage().promptTokens() + "->" + r.usage().completionTokens();
        int rr = Math.max(1, r.round());
        maxRound = Math.max(maxRound, rr);
        String shown = "repair".equals(r.step()) ? r.memberId() + " (repair)" : label(rr, r.memberId());
        rows.put(key(rr, r.memberId()), new String[] {shown, r.status().wireName(),
                r.latency().toMillis() + "ms", tokens, r.cost().usd().map(Money::usd).orElse("unpriced")});
        if (ansi) {
            if (!tableDone) {
                redraw();
            }
        } else {
            // Status padded to the longest ("cancelled") plus a space, so the id never runs into it.
            out.println(prefix + String.format("%-10s", r.status().wireName()) + shown + "  " + r.latency().toMillis()
                    + "ms  " + tokens + " tokens  " + r.cost().usd().map(Money::usd).orElse("unpriced")
                    + (r.error() != null ? "  (" + r.error() + ")" : ""));
        }
    }

    /** The lines of the live table as drawn now: each fits the width, so it takes exactly one terminal line. */
    synchronized List<String> frame() {
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"member", "status", "latency", "tokens", "cost"});
        table.addAll(rows.values());
        int avail = width - prefix.length() - 1; // one column spare: a full line would wrap on some terminals
        String[][] fitted = CostTable.fitIds(table, 0, avail);
        String text = CostTable.table(fitted != null ? java.util.Arrays.asList(fitted) : table);
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) {
            lines.add(clip(prefix + l, width - 1));
        }
        lines.add(clip(prefix + "elapsed " + (clock.now(TimeUnit.MILLISECONDS) - t0) + "ms", width - 1));
        return lines;
    }

    private static String clip(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max - 1)) + Ids.ELLIPSIS;
    }

    private void redraw() {
        StringBuilder sb = new StringBuilder();
        if (drawnLines > 0) {
            sb.append("\u001b[").append(drawnLines).append("F\u001b[J"); // up N lines, clear to end
        }
        List<String> lines = frame();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        out.print(sb);
        out.flush();
        drawnLines = lines.size();
    }
}
