package dev.fusion.test;

import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The sandbox (a loopback server speaking the OpenAI, Anthropic and Gemini wire formats with scripted
 * personas) for a JUnit 5 test class: started once before the class's tests on an ephemeral port, with
 * no artificial latency, and stopped after them. A test method or constructor parameter of type
 * {@link WireServer} receives it; point a provider's base URL at {@link WireServer#baseUrl()}.
 *
 * <pre>{@code
 * @ExtendWith(FusionSandboxExtension.class)
 * class MyServiceTest {
 *     @Test
 *     void answersThroughARealHttpStack(WireServer sandbox) {
 *         String url = sandbox.baseUrl(WireFormat.OPENAI);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Needs {@code fusion-sandbox} on the test classpath. Thread-safe (one server per test class).
 */
public final class FusionSandboxExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FusionSandboxExtension.class);
    private static final String KEY = "server";

    /** Made by JUnit from {@code @ExtendWith}. */
    public FusionSandboxExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).getOrComputeIfAbsent(KEY, k -> Sandbox.start(0, 0.0), WireServer.class);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        WireServer server = context.getStore(NS).remove(KEY, WireServer.class);
        if (server != null) {
            server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == WireServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        WireServer server = context.getStore(NS).get(KEY, WireServer.class);
        if (server == null) {
            throw new ParameterResolutionException("the sandbox is not running: register FusionSandboxExtension"
                    + " with @ExtendWith on the test class");
        }
        return server;
    }
}
