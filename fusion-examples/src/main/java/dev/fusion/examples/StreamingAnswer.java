package dev.fusion.examples;

import dev.fusion.Fusion;
import dev.fusion.FusionEvent;
import dev.fusion.FusionRequest;

/** Panel progress as it happens, then the judge's answer token by token (Reactor {@code Flux}). */
public final class StreamingAnswer {
    public static void main(String[] args) {
        String prompt = args.length > 0 ? String.join(" ", args) : "Give three tips for writing readable Java.";
        try (Models models = Models.open()) {
            Fusion fusion = Fusion.builder()
                    .panel(models.cheap(0), models.cheap(1), models.cheap(2))
                    .judge(models.judge())
                    .priceBook(models.prices).build();
            fusion.stream(FusionRequest.of(prompt)).doOnNext(e -> {
                if (e instanceof FusionEvent.MemberStarted s) {
                    System.out.println("... " + s.memberId() + " started");
                } else if (e instanceof FusionEvent.MemberAnswered a) {
                    System.out.println("ok " + a.record().memberId() + " in " + a.record().latency().toMillis() + " ms");
                } else if (e instanceof FusionEvent.MemberFailed f) {
                    System.out.println("failed " + f.record().memberId() + ": " + f.record().error());
                } else if (e instanceof FusionEvent.JudgeStarted j) {
                    System.out.println("judge " + j.judgeId() + ":\n");
                } else if (e instanceof FusionEvent.JudgeDelta d) {
                    System.out.print(d.text());
                    System.out.flush();
                } else if (e instanceof FusionEvent.Completed c) {
                    System.out.println("\n\n$" + c.result().totalCostUsd().toPlainString() + ", judge's first token after "
                            + c.result().judge().map(j -> j.timeToFirstToken() == null ? "?" : j.timeToFirstToken().toMillis() + " ms").orElse("?"));
                }
            }).blockLast();
        }
    }
}
