package dev.fusion.micrometer;

import dev.fusion.Fusion;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;

import java.util.Map;

/** A real Fusion over HTTP to the sandbox, with one member that always fails (HTTP 400). */
final class SandboxFusions {

    static final String BROKEN = "sandbox-broken";
    static final String UNPRICED = "sandbox-unpriced";

    private SandboxFusions() {
    }

    /** The sandbox personas at zero latency, plus a model that fails and a priceless echo. */
    static WireServer start() {
        return WireServer.start(Behaviour.builder()
                .models(Sandbox.behaviour(0))
                .model(BROKEN, Reply.fault(Fault.http(400, "the sandbox refuses this model")))
                .model(UNPRICED, Reply.text("an answer nobody priced"))
                .build());
    }

    static Providers providers(WireServer server) {
        return Providers.builder().env(Map.of())
                .provider(Sandbox.PROVIDER_OPENAI, ProviderSpec.keyless(ProviderKind.OPENAI, server.baseUrl(WireFormat.OPENAI)))
                .build();
    }

    static ChatModel model(Providers providers, String id) {
        return providers.model(Sandbox.PROVIDER_OPENAI + ":" + id);
    }

    /** swift + contrarian + broken, judged by the sandbox judge; the broken one priced so the ask's cost is complete. */
    static Fusion.Builder withFailingMember(WireServer server) {
        Providers p = providers(server);
        return Fusion.builder()
                .panel(model(p, Sandbox.SWIFT), model(p, Sandbox.CONTRARIAN), model(p, BROKEN))
                .judge(model(p, Sandbox.JUDGE))
                .quorum(2)
                .retry(RetryPolicy.NONE)
                .panelStreaming(true)
                .priceBook(Sandbox.priceBook())
                .price(Sandbox.PROVIDER_OPENAI + ":" + BROKEN, Price.of("1.00", "2.00"));
    }
}
