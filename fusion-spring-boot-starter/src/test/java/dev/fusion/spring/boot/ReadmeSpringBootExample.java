package dev.fusion.spring.boot;

// Shown in docs/integrations/spring-boot.md; compiled with the tests so it stays correct.

import dev.fusion.FusionResult;
import dev.fusion.micrometer.ObservedFusion;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class ReadmeSpringBootExample {

    public static void main(String[] args) {
        SpringApplication.run(ReadmeSpringBootExample.class, args);
    }

    @Bean
    CommandLineRunner askOnce(ObservedFusion fusion) { // or inject Fusion, or Spring AI's ChatModel
        return args -> {
            FusionResult r = fusion.ask("Why is the sky blue?");
            System.out.println(r.answer() + "\n$" + r.totalCostUsd());
        };
    }
}
