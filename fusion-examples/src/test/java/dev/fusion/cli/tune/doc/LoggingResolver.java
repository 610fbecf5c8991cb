package dev.fusion.cli.tune.doc;

import dev.fusion.cli.tune.AnswerStore;
import dev.fusion.cli.tune.LiveResolver;
import dev.fusion.cli.tune.MissResolver;
import dev.fusion.cli.tune.PendingCall;
import dev.fusion.cost.PriceBook;

import java.time.Duration;
import java.util.List;

/** A resolver that says what each pass asks for, then sends it live. */
public final class LoggingResolver implements MissResolver {

    private final MissResolver live;

    public LoggingResolver(PriceBook prices) {
        this.live = new LiveResolver(prices, 4, Duration.ofMinutes(2), call -> { });
    }

    @Override
    public void resolve(List<PendingCall> misses, AnswerStore store) throws InterruptedException {
        long members = misses.stream().filter(c -> c.kind() == dev.fusion.cli.tune.CallKind.MEMBER).count();
        System.err.println("this pass: " + misses.size() + " calls, " + members + " of them member answers");
        live.resolve(misses, store); // stores each answer (or failure) under its key
    }
}
