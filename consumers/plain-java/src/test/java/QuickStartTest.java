import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's quick start, compiled here from src/main/java/QuickStart.java, runs and answers. */
class QuickStartTest {

    @Test
    void theQuickStartAnswersAndPricesEveryCall() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            QuickStart.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        original.print(printed);

        assertThat(printed).contains("consistency, availability and partition tolerance");
        assertThat(printed).containsPattern("sandbox-openai:sandbox-judge ok \\$0\\.\\d+");
        assertThat(printed).containsPattern("(?m)^total \\$0\\.\\d*[1-9]\\d*$");
    }

    @Test
    void theReadmePrintsThisFileExactly() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("fusion-core"))) {
            root = root.getParent();
        }
        assertThat(root).as("the repository root above this consumer").isNotNull();
        String readme = Files.readString(root.resolve("README.md"));
        int marker = readme.indexOf("<!-- readme-quickstart:sandbox -->");
        int open = readme.indexOf("```java\n", marker) + 8;
        int close = readme.indexOf("\n```", open) + 1;
        assertThat(marker).isNotNegative();
        assertThat(readme.substring(open, close)).isEqualTo(Files.readString(Path.of("src/main/java/QuickStart.java")));
    }
}
