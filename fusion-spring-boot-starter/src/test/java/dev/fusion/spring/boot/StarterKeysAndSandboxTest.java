package dev.fusion.spring.boot;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real application contexts: a misspelt key under {@code fusion.*} stops start-up naming it, and
 * {@code fusion.sandbox.enabled=true} answers an ask with no key at all.
 */
class StarterKeysAndSandboxTest {

    private static ApplicationContextRunner runner() {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(FusionAutoConfiguration.class));
    }

    private static String messages(Throwable t) {
        StringBuilder b = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            b.append(c.getMessage()).append('\n');
        }
        return b.toString();
    }

    @Test
    void anUnknownKeyUnderFusionFailsStartUpWithItsName() {
        runner().withPropertyValues("fusion.sandbox.enabled=true", "fusion.panel=sandbox-openai:sandbox-swift",
                        "fusion.judge=sandbox-openai:sandbox-judge", "fusion.qourum=2")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("fusion.qourum");
                });
        runner().withPropertyValues("fusion.sandbox.enabled=true", "fusion.panel=sandbox-openai:sandbox-swift",
                        "fusion.judge=sandbox-openai:sandbox-judge", "fusion.providers.local.base-uri=http://127.0.0.1:1")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("fusion.providers.local.base-uri");
                });
    }

    @Test
    void theSandboxAnswersWithNoKeyAndSaysOnceThatItIsFictional() {
        // Whichever SLF4J binding the test class path resolves (slf4j-simple writes to stderr, Spring Boot's
        // logback to stdout), the line is captured: both streams go to one buffer while the context runs.
        PrintStream err = System.err;
        PrintStream out = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true);
        System.setErr(both);
        System.setOut(both);
        try {
            runner().withPropertyValues("fusion.sandbox.enabled=true",
                        "fusion.panel=sandbox-openai:sandbox-swift,sandbox-gemini:sandbox-terse",
                        "fusion.judge=sandbox-anthropic:sandbox-judge", "fusion.retries=0")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    FusionResult result = context.getBean(Fusion.class).ask("What is the CAP theorem?");
                    assertThat(result.answer()).isNotBlank();
                    assertThat(result.judged()).isTrue();
                    assertThat(result.calls()).hasSizeGreaterThanOrEqualTo(3).allSatisfy(c -> assertThat(c.cost().isPriced()).isTrue());
                    assertThat(result.costComplete()).isTrue();
                });
        } finally {
            System.setErr(err);
            System.setOut(out);
        }
        assertThat(captured.toString().lines().filter(l -> l.contains("fusion.sandbox.enabled=true") && l.contains("WARN")))
                .hasSize(1).allSatisfy(l -> assertThat(l).contains("fictional"));
    }

    @Test
    void withoutTheSandboxOnTheClassPathEnablingItFailsNamingTheDependency() {
        runner().withClassLoader(new FilteredClassLoader("dev.fusion.sandbox.providers"))
                .withPropertyValues("fusion.sandbox.enabled=true", "fusion.panel=sandbox-openai:sandbox-swift",
                        "fusion.judge=sandbox-openai:sandbox-judge")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(messages(context.getStartupFailure())).contains("dev.fusion:fusion-sandbox-providers");
                });
    }
}
