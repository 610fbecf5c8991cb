package dev.fusion.spring.boot;

import dev.fusion.Fusion;
import dev.fusion.FusionListener;
import dev.fusion.InvalidConfigurationException;
import dev.fusion.Member;
import dev.fusion.micrometer.FusionMetrics;
import dev.fusion.micrometer.ObservedFusion;
import dev.fusion.providers.config.FusionConfig;
import dev.fusion.spring.boot.internal.PropertiesConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.info.InfoContributor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Spring Boot auto-configuration for Fusion, on when {@code fusion.enabled} is not {@code false}:
 * <ul>
 *   <li>a {@link Fusion} bean from the {@code fusion.*} properties ({@link FusionProperties}),
 *       unless the application defines its own; invalid properties fail start-up with the config
 *       file's messages, naming the property. API keys come from Spring's {@code Environment}.
 *       Every {@link FusionListener} bean is added to it, and {@link FusionMetrics} when a
 *       {@link MeterRegistry} bean exists (Actuator's), so {@code /actuator/metrics} shows
 *       {@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration} and
 *       {@code fusion.cost.usd};</li>
 *   <li>an {@link ObservedFusion} (an observation per ask, a child per call) on the
 *       {@link ObservationRegistry} bean, or on a no-op registry;</li>
 *   <li>an Actuator {@code info} contribution {@code fusion}: panel, judges, strategy, spend so far
 *       and what is left under {@code fusion.spend-cap-usd};</li>
 *   <li>a Spring AI {@code ChatModel} ({@code dev.fusion.springai.FusionChatModel}) when
 *       fusion-spring-ai and Spring AI are on the class path.</li>
 * </ul>
 */
@AutoConfiguration
@EnableConfigurationProperties(FusionProperties.class)
@ConditionalOnProperty(prefix = "fusion", name = "enabled", havingValue = "true", matchIfMissing = true)
public class FusionAutoConfiguration {

    /** The fusion described by the {@code fusion.*} properties. */
    @Bean
    @ConditionalOnMissingBean
    public Fusion fusion(FusionProperties properties, Environment environment,
                         ObjectProvider<MeterRegistry> meterRegistry, ObjectProvider<FusionListener> listeners) {
        FusionConfig config = PropertiesConfig.parse(properties);
        Fusion.Builder builder;
        try {
            builder = config.toFusionBuilder(PropertiesConfig.providers(config, environment));
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(PropertiesConfig.asProperties("fusion.* properties: " + e.getMessage()), e);
        }
        meterRegistry.ifAvailable(registry -> builder.listener(new FusionMetrics(registry)));
        listeners.orderedStream().forEach(builder::listener);
        try {
            return builder.build();
        } catch (InvalidConfigurationException e) {
            throw new InvalidConfigurationException(PropertiesConfig.asProperties("fusion.* properties: " + e.getMessage()), e);
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

    /** Actuator's {@code info}: what the fusion is and what it has spent. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(InfoContributor.class)
    static class FusionInfoConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "fusionInfoContributor")
        InfoContributor fusionInfoContributor(Fusion fusion, FusionProperties properties) {
            return builder -> {
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("panel", fusion.panel().stream().map(Member::id).toList());
                info.put("judges", fusion.judges().stream().map(Member::id).toList());
                info.put("strategy", fusion.strategy().name());
                BigDecimal spent = fusion.spentUsd();
                info.put("spentUsd", spent.toPlainString());
                if (properties.spendCapUsd() != null) {
                    info.put("spendCapUsd", properties.spendCapUsd().toPlainString());
                    info.put("remainingUsd", properties.spendCapUsd().subtract(spent).max(BigDecimal.ZERO).toPlainString());
                    info.put("spendCapWindow", properties.spendCapWindow() == null ? "lifetime"
                            : properties.spendCapWindow().toString());
                }
                builder.withDetail("fusion", info);
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
