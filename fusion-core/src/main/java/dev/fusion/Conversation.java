package dev.fusion;

import reactor.core.publisher.Mono;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * A multi-step task on one {@link Fusion} (an agent's tool loop) whose asks share one budget: every ask
 * of the conversation runs with the budget that is left ({@link FusionRequest#budgetUsd()} capped by it),
 * and what it cost is taken off. An ask that cannot fit what is left is refused with
 * {@link BudgetExceededException} before any request is sent, exactly as an ask over its own budget is.
 *
 * <pre>{@code
 * Conversation task = fusion.conversation(new BigDecimal("0.05"));   // every step of the task together
 * FusionResult step = task.ask(FusionRequest.builder().messages(history).tools(tools).build());
 * ... run the tools, add the results to history, ask again ...
 * task.spentUsd();  task.remainingUsd();
 * }</pre>
 *
 * <p>The conversation holds no messages: the caller keeps the history as with {@link Fusion#ask}. The
 * steps of a task run one after another: while an ask runs it holds what is left, and an ask started
 * meanwhile on the same conversation is refused with {@code BudgetExceededException}. A failed ask costs
 * what its calls were charged ({@link AskFailedException#calls()}). The {@code Fusion}'s own spend cap
 * still applies to every ask.
 *
 * <p>Thread-safe.
 */
public final class Conversation {

    private final Fusion fusion;
    private final BigDecimal budgetUsd;
    private BigDecimal spent = BigDecimal.ZERO;
    private boolean running;

    Conversation(Fusion fusion, BigDecimal budgetUsd) {
        this.fusion = Objects.requireNonNull(fusion, "fusion");
        Objects.requireNonNull(budgetUsd, "budgetUsd");
        if (budgetUsd.signum() < 0) {
            throw new InvalidConfigurationException("a conversation's budget cannot be negative, was "
                    + budgetUsd.toPlainString());
        }
        this.budgetUsd = budgetUsd;
    }

    /** The budget every ask of this conversation shares (USD). */
    public BigDecimal budgetUsd() {
        return budgetUsd;
    }

    /** What the asks so far were charged (USD): each call's computed cost, or its reported one when higher. */
    public synchronized BigDecimal spentUsd() {
        return spent;
    }

    /** What is left of the budget (USD, never negative). */
    public synchronized BigDecimal remainingUsd() {
        return budgetUsd.subtract(spent).max(BigDecimal.ZERO);
    }

    /**
     * One step: {@code request} with its budget capped by what is left.
     *
     * @throws BudgetExceededException before any request, when what is left cannot hold the ask's worst case
     */
    public FusionResult ask(FusionRequest request) {
        BigDecimal left = begin();
        try {
            FusionResult r = fusion.ask(capped(request, left));
            end(charged(r.calls()));
            return r;
        } catch (RuntimeException e) {
            end(e instanceof AskFailedException f ? charged(f.calls()) : BigDecimal.ZERO);
            throw e;
        }
    }

    /** As {@link #ask}, without blocking; the budget is held from subscription until the ask ends. */
    public Mono<FusionResult> askAsync(FusionRequest request) {
        return Mono.defer(() -> {
            BigDecimal left = begin();
            return fusion.askAsync(capped(request, left))
                    .doOnNext(r -> end(charged(r.calls())))
                    .doOnError(e -> end(e instanceof AskFailedException f ? charged(f.calls()) : BigDecimal.ZERO))
                    .doOnCancel(() -> end(BigDecimal.ZERO));
        });
    }

    private synchronized BigDecimal begin() {
        BigDecimal left = budgetUsd.subtract(spent).max(BigDecimal.ZERO);
        if (running) {
            throw new BudgetExceededException("another ask of this conversation is running and holds what is left of"
                    + " its budget ($" + left.toPlainString() + "); a conversation's steps run one after another",
                    left, left);
        }
        running = true;
        return left;
    }

    private synchronized void end(BigDecimal charged) {
        if (running) {
            running = false;
            spent = spent.add(charged);
        }
    }

    private static FusionRequest capped(FusionRequest request, BigDecimal left) {
        BigDecimal own = request.budgetUsd();
        return request.toBuilder().budgetUsd(own == null ? left : own.min(left)).build();
    }

    /** What calls were charged, as the spend ledger settles them: the higher of computed and reported cost. */
    private static BigDecimal charged(List<CallRecord> calls) {
        BigDecimal sum = BigDecimal.ZERO;
        for (CallRecord c : calls) {
            BigDecimal computed = c.cost().usd().orElse(BigDecimal.ZERO);
            BigDecimal reported = c.cost().reportedUsd() != null ? c.cost().reportedUsd() : BigDecimal.ZERO;
            sum = sum.add(computed.max(reported));
        }
        return sum;
    }

    @Override
    public synchronized String toString() {
        return "Conversation[budget $" + budgetUsd.toPlainString() + ", spent $" + spent.toPlainString() + "]";
    }
}
