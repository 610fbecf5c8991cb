package dev.fusion.spring.boot;

import dev.fusion.Fusion;
import dev.fusion.FusionListener;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.micrometer.FusionMetrics;
import dev.fusion.micrometer.ObservedFusion;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.shared.SharedState;
import dev.fusion.shared.SharedStateFactory;
import dev.fusion.shared.SharedStateOptions;
import dev.fusion.providers.Providers;
import dev.fusion.spring.boot.internal.KeylessSandbox;
import dev.fusion.spring.boot.internal.PropertiesConfig;
import dev.fusion.spring.boot.internal.PropertyTree;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spring Boot auto-configuration for Fusion, on when {@code fusion.enabled} is not {@code false}:
 * <ul>
 *   <li>a {@link Fusion} bean from the {@code fusion.*} properties, read as the configuration file's
 *       keys ({@link dev.fusion.providers.config.FusionSpec}) by the file's one reader, unless the
 *       application defines its own; invalid properties fail start-up with the config file's messages,
 *       naming the property. API keys come from Spring's {@code Environment}.
 *       Every {@link FusionListener} bean is added to it, and {@link FusionMetrics} when a
 *       {@link MeterRegistry} bean exists (Actuator's), so {@code /actuator/metrics} shows
 *       {@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration} and
 *       {@code fusion.cost.usd};</li>
 *   <li>with {@code fusion.shared.redis}, a {@link SharedState} bean on Redis (fusion-redis on the
 *       class path) holding the spend cap and provider limits for every instance that uses the same
 *       Redis and {@code fusion.shared.namespace}; any {@link SharedState} bean the application
 *       defines is used the same way;</li>
 *   <li>an {@link ObservedFusion} (an observation per ask, a child per call) on the
 *       {@link ObservationRegistry} bean, or on a no-op registry;</li>
 *   <li>an Actuator {@code info} contribution {@code fusion}: panel, judges, strategy, spend so far
 *       and what is left under {@code fusion.spend-cap-usd};</li>
 *   <li>a Spring AI {@code ChatModel} ({@code dev.fusion.springai.FusionChatModel}) when
 *       fusion-spring-ai and Spring AI are on the class path;</li>
 *   <li>with {@code fusion.sandbox.enabled=true}, the offline sandbox started in-process (dev.fusion:fusion-sandbox-providers
 *       on the class path, an optional dependency of this starter): its providers {@code sandbox-openai},
 *       {@code sandbox-anthropic}, {@code sandbox-gemini} and its fictional prices are available by name with no
 *       key, and one WARN line says the answers are fictional. It stops with the application context.</li>
 * </ul>
 * Unknown keys under {@code fusion.*} fail start-up, naming the key.
 */
@AutoConfiguration
@ConditionalOnProperty(prefix = "fusion", name = "enabled", havingValue = "true", matchIfMissing = true)
public class FusionAutoConfiguration {

    /**
     * The {@code fusion.*} properties bound as before, for code that injects them; nothing here reads them
     * to configure Fusion (the properties are read as the configuration file's tree, {@link PropertyTree}).
     * Values that do not fit this view are left out of it rather than failing start-up.
     *
     * @deprecated the configuration's keys, rules and metadata come from
     *             {@link dev.fusion.providers.config.FusionSpec}; kept for applications that inject it
     */
    @Bean
    @Deprecated
    @SuppressWarnings("deprecation")
    @ConditionalOnMissingBean
    public FusionProperties fusionProperties(Environment environment) {
        return Binder.get(environment).bindOrCreate("fusion", Bindable.of(FusionProperties.class), new IgnoreErrorsBindHandler());
    }

    /** The fusion described by the {@code fusion.*} properties. */
    @Bean
    @ConditionalOnMissingBean
    public Fusion fusion(Environment environment,
                         ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<FusionListener> listeners,
                         ObjectProvider<SharedState> sharedState, ObjectProvider<KeylessSandbox> sandbox) {
        PropertyTree properties = PropertyTree.read(environment);
        FusionConfig config = properties.config(true);
        // the store is the SharedState bean (closed with the context), not one the config would open itself
        FusionConfig withoutStore = config.shared() == null ? config : properties.config(false);
        boolean sandboxEnabled = config.spec().sandboxEnabled();
        KeylessSandbox keyless = sandboxEnabled ? sandbox.getIfAvailable() : null;
        if (sandboxEnabled && keyless == null) {
            throw new InvalidConfigurationException("property 'fusion.sandbox.enabled' is true but the sandbox is not"
                    + " on the class path; add the dependency dev.fusion:fusion-sandbox-providers");
        }
        Fusion.Builder builder;
        try {
            Providers providers = PropertiesConfig.providers(config, environment);
            builder = keyless == null ? withoutStore.toFusionBuilder(providers)
                    : withoutStore.spec().toFusionBuilder(providers.with(keyless.providerSpecs()), keyless.priceBook());
        } catch (InvalidConfigurationException e) {
            throw properties.named(e);
        }
        sharedState.ifAvailable(builder::sharedState);
        meterRegistry.ifAvailable(registry -> builder.listener(new FusionMetrics(registry)));
        listeners.orderedStream().forEach(builder::listener);
        try {
            return builder.build();
        } catch (InvalidConfigurationException e) {
            throw properties.named(e);
        }
    }

    /**
     * The store the spend cap and provider limits live in when {@code fusion.shared.redis} is set:
     * every instance with the same Redis and {@code fusion.shared.namespace} shares them. The
     * implementation comes from the class path (dev.fusion:fusion-redis for redis://); it is closed
     * with the application context.
     */
    @Bean
    @ConditionalOnMissingBean(SharedState.class)
    @ConditionalOnProperty(prefix = "fusion.shared", name = "redis")
    public SharedState fusionSharedState(Environment environment) {
        PropertyTree properties = PropertyTree.read(environment);
        SharedStateOptions options = properties.config(true).shared();
        try {
            return SharedStateFactory.load(options);
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException("property 'fusion.shared.redis': " + e.getMessage(), e);
        }
    }

    /** The fusion with an observation per ask (parent of one per call). */
    @Bean
    @ConditionalOnMissingBean
    public ObservedFusion observedFusion(Fusion fusion, ObjectProvider<ObservationRegistry> observationRegistry,
                                         ObjectProvider<MeterRegistry> meterRegistry) {
        return ObservedFusion.of(fusion, observationRegistry.getIfAvailable(() -> ObservationRegistry.NOOP),
                meterRegistry.getIfAvailable());
    }

    /**
     * Actuator's {@code env} and {@code configprops}: the variables named by {@code api-key-env} (and the
     * presets' {@code *_API_KEY}) are masked even when {@code show-values} is on.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class FusionSanitizingConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "fusionApiKeySanitizer")
        dev.fusion.spring.boot.internal.ApiKeySanitizer fusionApiKeySanitizer(Environment environment) {
            return new dev.fusion.spring.boot.internal.ApiKeySanitizer(PropertyTree.lenient(environment));
        }
    }

    /** Actuator's {@code info}: what the fusion is and what it has spent. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(InfoContributor.class)
    static class FusionInfoConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "fusionInfoContributor")
        InfoContributor fusionInfoContributor(Fusion fusion, Environment environment) {
            com.fasterxml.jackson.databind.JsonNode properties = PropertyTree.lenient(environment);
            BigDecimal cap = dollars(properties.path("spendCapUsd"));
            String window = properties.hasNonNull("spendCapWindow") ? properties.get("spendCapWindow").asText() : "lifetime";
            return builder -> {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("panel", fusion.panel().stream().map(Member::id).toList());
                info.put("judges", fusion.judges().stream().map(Member::id).toList());
                info.put("strategy", fusion.strategy().name());
                BigDecimal spent = fusion.spentUsd();
                info.put("spentUsd", spent.toPlainString());
                if (cap != null) {
                    info.put("spendCapUsd", cap.toPlainString());
                    info.put("remainingUsd", cap.subtract(spent).max(BigDecimal.ZERO).toPlainString());
                    info.put("spendCapWindow", window);
                }
                builder.withDetail("fusion", info);
            };
        }
    }

    /** A dollar amount from the properties' tree, or null when it is not one (start-up reports that). */
    static BigDecimal dollars(com.fasterxml.jackson.databind.JsonNode value) {
        try {
            return value.isValueNode() && !value.isNull() ? new BigDecimal(value.asText().trim()) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * The offline sandbox, started in-process when {@code fusion.sandbox.enabled=true} and
     * fusion-sandbox-providers is on the class path; stopped with the context.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "dev.fusion.sandbox.providers.SandboxProviders")
    @ConditionalOnProperty(prefix = "fusion.sandbox", name = "enabled", havingValue = "true")
    static class FusionSandboxConfiguration {

        private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(FusionAutoConfiguration.class);

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(KeylessSandbox.class)
        KeylessSandbox fusionSandbox() {
            dev.fusion.sandbox.providers.SandboxProviders sandbox = dev.fusion.sandbox.providers.SandboxProviders.start(
                    0, 1.0, Providers.builder().env(Map.of()).build());
            log.warn("fusion.sandbox.enabled=true: the sandbox-* models at {} are fictional; their answers and prices"
                    + " say nothing about any real model", sandbox.baseUrl());
            return new KeylessSandbox() {
                @Override
                public Map<String, dev.fusion.providers.ProviderSpec> providerSpecs() {
                    return sandbox.providerSpecs();
                }

                @Override
                public dev.fusion.cost.PriceBook priceBook() {
                    return sandbox.priceBook();
                }

                @Override
                public void close() {
                    sandbox.close();
                }
            };
        }
    }

    /** Spring AI: the fusion as a {@code ChatModel}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"dev.fusion.springai.FusionChatModel", "org.springframework.ai.chat.model.ChatModel"})
    static class FusionSpringAiConfiguration {

        @Bean
        @ConditionalOnMissingBean(dev.fusion.springai.FusionChatModel.class)
        dev.fusion.springai.FusionChatModel fusionChatModel(Fusion fusion) {
            return dev.fusion.springai.FusionChatModel.of(fusion);
        }
    }
}
