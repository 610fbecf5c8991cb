package dev.fusion.consumer.springai;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import dev.fusion.springai.FusionChatModel;

/**
 * A Spring Boot 4 application on fusion-spring-boot-starter: the starter builds the {@code Fusion} from
 * {@code fusion.*} properties and, with fusion-spring-ai on the class path, a Spring AI
 * {@link FusionChatModel} bean that a {@link ChatClient} talks to.
 */
@SpringBootApplication
public class ConsumerApplication {

    public static void main(String[] args) {
        SpringApplication.run(ConsumerApplication.class, args);
    }

    @Bean
    ChatClient chatClient(FusionChatModel fusion) {
        return ChatClient.create(fusion);
    }
}
