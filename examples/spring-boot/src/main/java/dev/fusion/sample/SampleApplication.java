package dev.fusion.sample;

import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot app on the Fusion starter: {@code POST /ask} asks the fusion configured under
 * {@code fusion.*} (application.properties), {@code /actuator/metrics} and {@code /actuator/info}
 * show its GenAI metrics and spend. Unless {@code sample.sandbox-url} is given, it starts the
 * sandbox in-process on a free loopback port and asks its personas (no keys, no network).
 */
@SpringBootApplication
public class SampleApplication {

    public static void main(String[] args) {
        if (System.getProperty("sample.sandbox-url") == null && System.getenv("SAMPLE_SANDBOX_URL") == null) {
            WireServer sandbox = Sandbox.start(0, 1.0);
            Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-shutdown"));
            System.setProperty("sample.sandbox-url", sandbox.baseUrl(WireFormat.OPENAI));
        }
        SpringApplication.run(SampleApplication.class, args);
    }
}
