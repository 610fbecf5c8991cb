package dev.fusion.cli.render;

import dev.fusion.CallError;
import dev.fusion.CallRecord;
import dev.fusion.CallRole;
import dev.fusion.CallStatus;
import dev.fusion.FusionEvent;
import dev.fusion.cost.Cost;
import dev.fusion.cost.Usage;
import dev.fusion.model.ModelRef;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The cost table and the live table fit 80 columns with long ids; the live clock ticks on its own. */
class RenderWidthTest {

    static final String SCHOLAR = "sandbox-anthropic:sandbox-scholar";
    static final String LONG = "openrouter:deepseek/deepseek-v4-pro-with-a-very-long-suffix";

    static CallRecord call(String id, CallRole role, CallStatus status, Usage usage, int attempts, CallError error) {
        return new CallRecord(id, ModelRef.parse(id), role, status, "text", usage,
                Cost.of(new BigDecimal("0.00123456"), null), null, Duration.ofMillis(1234), null, null, attempts,
                null, null, error);
    }

    static List<CallRecord> calls() {
        return List.of(
                call("sandbox-openai:sandbox-swift", CallRole.PANEL, CallStatus.OK, Usage.of(120, 80), 1, null),
                call(SCHOLAR, CallRole.PANEL, CallStatus.OK, new Usage(120, 0, 0, 0, 300, 600), 1, null),
                call(LONG, CallRole.PANEL, CallStatus.CANCELLED, Usage.of(120, 0), 2,
                        CallError.of("cancelled", "cancelled after the grace period")),
                call("sandbox-openai:sandbox-judge", CallRole.JUDGE, CallStatus.OK, new Usage(500, 250, 40, 0, 200, 0), 1, null));
    }

    @Test
    void theCostTableFitsEightyColumnsAndKeepsEveryFigure() {
        String table = CostTable.render(calls(), 80);
        assertThat(table.lines()).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(80));
        assertThat(table.lines().filter(l -> l.startsWith("role"))).hasSize(1);
        assertThat(table).contains("sandbox-openai:sandbox-swift", "cancelled", "$0.001235", "1234ms")
                .contains("600") // reasoning
                .contains("250/40") // cache read/write
                .contains("cancelled after the grace period");
        // With the sandbox label in front (70 columns left) it still fits.
        assertThat(CostTable.render(calls(), 70).lines()).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(70));
    }

    @Test
    void idsAreNeverCutInTheMiddleTheyWrapAfterTheProviderOrLoseTheirEnd() {
        // one line: the end is cut, the beginning (the provider) kept
        assertThat(Ids.shorten(SCHOLAR, 26)).isEqualTo("sandbox-anthropic:sandbox…").hasSize(26);
        assertThat(Ids.shorten("short:id", 26)).isEqualTo("short:id");
        assertThat(Ids.shorten(LONG, 20)).hasSize(20).endsWith("…").startsWith("openrouter:deepseek");
        // in a table column: wrapped after "provider:" (and "/"), each piece whole
        assertThat(Ids.wrap(SCHOLAR, 26)).isEqualTo("sandbox-anthropic:\nsandbox-scholar");
        assertThat(Ids.wrap("sandbox-openai:sandbox-swift", 26)).isEqualTo("sandbox-openai:\nsandbox-swift");
        assertThat(Ids.wrap("short:id", 26)).isEqualTo("short:id");
        assertThat(Ids.wrap(LONG, 24)).isEqualTo("openrouter:deepseek/\ndeepseek-v4-pro-with-a-…");
    }

    @Test
    void plainLinesPutASpaceAfterCancelled() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        try (Progress p = new Progress(ps, ps, false, false, "[sandbox] ")) {
            p.on(new FusionEvent.MemberFailed(calls().get(2)));
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cancelled " + LONG);
    }

    /** The live table on a virtual clock: lines fit, every redraw moves up exactly the lines it drew. */
    @Test
    void theLiveTableRedrawsInPlaceWithLongIdsAndTheClockTicksOnItsOwn() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Progress p = new Progress(out, out, true, false, "[sandbox] ", 80, clock);
        for (CallRecord c : calls().subList(0, 3)) {
            p.on(new FusionEvent.MemberStarted(c.memberId(), c.model()));
        }
        p.on(new FusionEvent.MemberAnswered(calls().get(0)));
        String afterEvent = buf.toString(StandardCharsets.UTF_8);
        assertThat(afterEvent).contains("elapsed 0ms");

        clock.advanceTimeBy(Duration.ofMillis(1000)); // no event: the clock alone redraws
        String ticked = buf.toString(StandardCharsets.UTF_8);
        assertThat(ticked).contains("elapsed 1000ms");

        // Each redraw moves up by the number of lines the previous frame drew, and no line wraps.
        String[] frames = ticked.split("\u001b\\[(?=\\d+F)");
        int previousLines = -1;
        for (String f : frames) {
            Matcher up = Pattern.compile("^(\\d+)F\u001b\\[J").matcher(f);
            String body = f;
            if (up.find()) {
                assertThat(Integer.parseInt(up.group(1))).isEqualTo(previousLines);
                body = f.substring(up.end());
            }
            if (body.isEmpty()) {
                continue;
            }
            List<String> lines = body.lines().toList();
            assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThan(80));
            assertThat(lines.stream().filter(l -> l.contains("member"))).hasSize(1);
            previousLines = lines.size();
        }

        p.on(new FusionEvent.JudgeStarted("sandbox-openai:sandbox-judge", ModelRef.parse("sandbox-openai:sandbox-judge"),
                List.of("a", "b"), "synthesize"));
        assertThat(p.ticking()).isFalse();
        int len = buf.size();
        clock.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(buf.size()).as("stopped clock draws nothing").isEqualTo(len);
        p.close();
    }

    @Test
    void aNarrowOrPipedCostTableWrapsIdsAfterTheProviderAndNeverCutsTheirMiddle() {
        for (int width : List.of(80, 70, 66)) {
            String table = CostTable.render(calls(), width);
            assertThat(table.lines()).as("width " + width).allSatisfy(l -> {
                assertThat(l.length()).as(l).isLessThanOrEqualTo(width);
                assertThat(l).as(l).doesNotContain("…:");   // the old mid-id cut, e.g. sandbox-op…:sandbox-swift
            });
            // every id can be read back whole: on its row, or its provider part there and the rest on the next line
            List<String> lines = table.lines().toList();
            for (String id : List.of(SCHOLAR, "sandbox-openai:sandbox-swift", "sandbox-openai:sandbox-judge")) {
                String provider = id.substring(0, id.indexOf(':') + 1);
                String model = id.substring(id.indexOf(':') + 1);
                boolean whole = table.contains(id);
                boolean wrapped = false;
                for (int i = 0; i + 1 < lines.size(); i++) {
                    wrapped |= lines.get(i).contains(provider + " ") && lines.get(i + 1).strip().equals(model);
                }
                assertThat(whole || wrapped).as(id + " in\n" + table).isTrue();
            }
        }
        List<String> narrow = CostTable.render(calls(), 66).lines().toList();
        int at = narrow.indexOf(narrow.stream().filter(l -> l.contains("sandbox-anthropic: ")).findFirst().orElseThrow());
        assertThat(narrow.get(at)).contains("ok", "1234ms");          // the row keeps its figures
        assertThat(narrow.get(at + 1).strip()).isEqualTo("sandbox-scholar");   // the model part, whole, below
    }

    @Test
    void layeredRoundsAreLabelledAndTheJudgeIsAnnouncedOnce() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        Progress p = new Progress(out, out, true, false, "", 100, clock);
        String id = "sandbox-openai:sandbox-swift";
        p.on(new FusionEvent.MemberStarted(id, ModelRef.parse(id)));
        p.on(new FusionEvent.MemberAnswered(calls().get(0)));
        p.on(new FusionEvent.RoundStarted(2, List.of(id)));
        p.on(new FusionEvent.MemberStarted(id, ModelRef.parse(id)));
        CallRecord refined = new CallRecord(id, ModelRef.parse(id), CallRole.PANEL, CallStatus.OK, "text", Usage.of(300, 90),
                Cost.of(new BigDecimal("0.0002"), null), null, Duration.ofMillis(900), null, null, 1, null, null, null, 2, "refine");
        p.on(new FusionEvent.MemberAnswered(refined));
        List<String> frame = p.frame();
        assertThat(frame.stream().filter(l -> l.startsWith(id + " ") && !l.contains("round")).toList())
                .as("round 1 keeps its row: " + String.join("\n", frame)).hasSize(1);
        assertThat(frame).anyMatch(l -> l.startsWith(id + " (round 2)") && l.contains("ok") && l.contains("900ms"));
        // analyze and select-best start the judge more than once: said once
        for (String step : List.of("analyze", "write")) {
            p.on(new FusionEvent.JudgeStarted("sandbox-openai:sandbox-judge", ModelRef.parse("sandbox-openai:sandbox-judge"),
                    List.of("a", "b"), step));
        }
        p.close();
        assertThat(buf.toString(StandardCharsets.UTF_8).split("is merging", -1)).hasSize(2);

        // plain lines (piped) say the round too
        ByteArrayOutputStream plain = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(plain, true, StandardCharsets.UTF_8);
        try (Progress q = new Progress(ps, ps, false, false, "")) {
            q.on(new FusionEvent.RoundStarted(2, List.of(id)));
            q.on(new FusionEvent.MemberAnswered(refined));
        }
        assertThat(plain.toString(StandardCharsets.UTF_8)).contains("round 2:", id + " (round 2)");
    }

    @Test
    void closingStopsTheClockWhenTheAskFailsBeforeTheJudge() {
        VirtualTimeScheduler clock = VirtualTimeScheduler.create();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Progress p = new Progress(out, out, true, false, "", 80, clock);
        p.on(new FusionEvent.MemberStarted("p:a", ModelRef.parse("p:a")));
        assertThat(p.ticking()).isTrue();
        p.close();
        assertThat(p.ticking()).isFalse();
        int len = buf.size();
        clock.advanceTimeBy(Duration.ofSeconds(5));
        assertThat(buf.size()).isEqualTo(len);
    }
}
