package dev.fusion.internal;

import dev.fusion.FusionException;
import dev.fusion.FusionRequest;
import dev.fusion.Member;
import dev.fusion.model.ModelRequest;

import java.util.ArrayList;
import java.util.List;

/**
 * The checks an ask makes before any call, pure: the request's overrides against the panel, the
 * strategy's own needs, each member's request against its model, and prices under a per-request budget.
 * A typed error naming what to change, or null. Stateless.
 */
final class AskChecks {

    private AskChecks() {
    }

    /** The request's overrides checked against the panel: a typed error before any call, or null. */
    static FusionException validate(Settings s, FusionRequest req, int quorum, Flow flow, StrategyContext ctx) {
        if (quorum > s.panel().size()) {
            return new dev.fusion.InvalidConfigurationException("quorum " + quorum + " is larger than the panel ("
                    + s.panel().size() + " members); lower the quorum or add members");
        }
        FusionException refused = flow.checkRequest();
        if (refused != null) {
            return refused;
        }
        FusionException unfit = checkWire(s, req, flow, ctx);
        if (unfit != null) {
            return unfit;
        }
        if (req.budgetUsd() != null && !s.allowUnpriced()) {
            // Fusion.build checks this for a budget set on the builder; a per-request budget is checked here.
            java.util.Set<String> unpriced = new java.util.TreeSet<>();
            List<Member> all = new ArrayList<>(s.panel());
            all.addAll(s.judges());
            all.addAll(flow.flagships());
            for (Member m : all) {
                if (s.priceBook().find(m.model().ref()).isEmpty()) {
                    unpriced.add(m.model().ref().toString());
                }
            }
            if (!unpriced.isEmpty()) {
                return new dev.fusion.InvalidConfigurationException("a budget needs a price for every model, but these"
                        + " have none: " + unpriced + "; add prices (price(\"provider:model\", Price.of(...)) or prices:"
                        + " in the config file), or allow unbounded spend on them with allowUnpriced(true)");
            }
        }
        return null;
    }

    /**
     * Each panel member's (and flagship's) request as it will be sent, checked by its model
     * ({@link dev.fusion.model.ChatModel#validate}): a reasoning setting its provider cannot express
     * (a token budget where only effort levels are accepted), images for a text-only provider, an
     * extra body field colliding with one Fusion sets. A typed error naming the member, before any call.
     */
    private static FusionException checkWire(Settings s, FusionRequest req, Flow flow, StrategyContext ctx) {
        List<Member> all = new ArrayList<>(s.panel());
        all.addAll(flow.flagships());
        for (Member m : all) {
            ModelRequest request = ctx.memberRequest(m, req.messages());
            try {
                m.model().validate(request);
            } catch (dev.fusion.InvalidConfigurationException e) {
                return new dev.fusion.InvalidConfigurationException("panel member '" + m.id() + "' cannot take this"
                        + " request: " + e.getMessage() + reasoningSource(m, request), e);
            }
        }
        return null;
    }

    /** Where to change the reasoning setting, when it is what the member's model refuses; else empty. */
    private static String reasoningSource(Member m, ModelRequest request) {
        if (request.reasoning() == null) {
            return "";
        }
        try {
            m.model().validate(request.toBuilder().reasoning(null).build());
        } catch (dev.fusion.InvalidConfigurationException other) {
            return ""; // something else is wrong too: the message names it
        }
        return m.reasoning() != null
                ? " (the setting is the member's own: Member.withReasoning, or reasoning: under its panel entry in the config)"
                : " (the setting is the request's: FusionRequest.Builder reasoning/reasoningTokens, CLI --reasoning;"
                + " give this member an effort level of its own with Member.withReasoning(Effort) or reasoning: under its"
                + " panel entry in the config)";
    }
}
