package dev.fusion.spring.boot.internal;

import dev.fusion.cost.PriceBook;
import dev.fusion.providers.ProviderSpec;

import java.util.Map;

/**
 * The in-process sandbox as the Fusion bean sees it ({@code fusion.sandbox.enabled=true}): its keyless
 * providers by name and its price book. A bean of the starter's sandbox configuration, which exists only
 * when dev.fusion:fusion-sandbox-providers is on the class path; closing it stops the server.
 */
public interface KeylessSandbox extends AutoCloseable {

    /** {@code sandbox-openai}, {@code sandbox-anthropic}, {@code sandbox-gemini}, pointing at the running server. */
    Map<String, ProviderSpec> providerSpecs();

    /** The bundled prices plus the sandbox personas' fictional ones. */
    PriceBook priceBook();

    @Override
    void close();
}
