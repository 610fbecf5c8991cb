package dev.fusion.langchain4j;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The LangChain4j tool agent example runs on the sandbox: its @Tool method is invoked and the answer uses the result. */
@Timeout(90)
class ToolAgentExampleTest {

    @Test
    void theExampleAgentCallsItsToolAndAnswersWithTheResult() {
        PrintStream original = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            ToolAgentExample.main(new String[] {"What is 17 * 23?"});
        } finally {
            System.setOut(original);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("tool calculator {\"expression\":\"17*23\"} -> 391");
        assertThat(out.substring(out.indexOf("answer: "))).contains("391");
        assertThat(out).containsPattern("spent \\$0\\.\\d+");
    }
}
