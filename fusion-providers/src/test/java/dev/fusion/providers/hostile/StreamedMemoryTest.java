package dev.fusion.providers.hostile;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A streamed answer far larger than the heap ends as a typed {@code response_too_large} failure, not
 * an {@link OutOfMemoryError}, for a panel member and for the judge, on the three wire formats: a
 * member streams 200 MB in 16 KB deltas and the judge 50 MB, to a whole ask run in a child JVM with
 * {@code -Xmx128m -XX:+ExitOnOutOfMemoryError}. The cut-off estimate of the failed calls (the text
 * streamed so far, up to the stream text limit) used to run the tokenizer over 4 Mi characters, which
 * takes about a gigabyte: the child then died. It now counts a bounded prefix and extrapolates.
 */
class StreamedMemoryTest {

    private static final int DELTA_CHARS = 16 * 1024;

    /** A server streaming {@code totalBytes} of text in 16 KB deltas of this format (never finishing). */
    private static RawServer endless(Wire w, long totalBytes) throws IOException {
        byte[] event = ResponseSizeLimitTest.delta(w, "y".repeat(DELTA_CHARS)).getBytes(StandardCharsets.US_ASCII);
        String start = w == Wire.ANTHROPIC ? Wire.event("message_start", """
                {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null}}""")
                + Wire.event("content_block_start", """
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""") : "";
        return new RawServer(out -> {
            RawServer.head(out, "text/event-stream");
            out.write(start.getBytes(StandardCharsets.US_ASCII));
            for (long sent = 0; sent < totalBytes; sent += event.length) {
                out.write(event);
            }
        });
    }

    private static RawServer good(Wire w) throws IOException {
        byte[] body = w.stream(w.usage(w.validUsage)).getBytes(StandardCharsets.UTF_8);
        return new RawServer(out -> {
            RawServer.head(out, "text/event-stream", "Content-Length: " + body.length);
            out.write(body);
        });
    }

    /** The test classpath as surefire gives it (its booter jar hides it from java.class.path). */
    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    @ParameterizedTest(name = "{0}: 200 MB member and 50 MB judge streams under -Xmx128m")
    @EnumSource(Wire.class)
    void endlessStreamsEndTypedUnderASmallHeap(Wire w) throws Exception {
        try (RawServer bad = endless(w, 200L << 20); RawServer ok = good(w); RawServer judge = endless(w, 50L << 20)) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path cpFile = Files.createTempFile("fusion-cp", ".txt");
            Path out = Files.createTempFile("fusion-child", ".log");
            try {
                // An @argfile keeps a long classpath off the command line (Windows' limit, ps listings).
                Files.writeString(cpFile, "-cp \"" + classpath().replace("\\", "\\\\") + "\"");
                List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+ExitOnOutOfMemoryError",
                        "-XX:TieredStopAtLevel=1", "@" + cpFile, StreamedMemoryMain.class.getName(), w.name(),
                        bad.url(), ok.url(), judge.url()));
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
                boolean ended = p.waitFor(5, TimeUnit.MINUTES);
                if (!ended) {
                    p.destroyForcibly();
                }
                String log = Files.readString(out);
                String records = log.lines().filter(l -> l.startsWith("RECORD") || l.startsWith("ANSWER")
                        || l.startsWith("ELAPSED") || l.startsWith("MAX_HEAP") || l.contains("OutOfMemory"))
                        .reduce("", (a, b) -> a + b + "\n");
                assertThat(ended).as("the child ended").isTrue();
                assertThat(p.exitValue()).as("exit code (3: out of memory)\n%s", records.isEmpty() ? tail(log) : records)
                        .isZero();
                assertThat(records).contains("MAX_HEAP_MB 12"); // 128 MiB, less what the JVM keeps for itself
                assertThat(records).as(records)
                        .containsPattern("RECORD bad status=failed error=response_too_large quality=ESTIMATED output=\\d{6,}")
                        .containsPattern("RECORD judge:m status=failed error=response_too_large quality=ESTIMATED output=\\d{6,}")
                        .contains("ANSWER " + Wire.ANSWER);
            } finally {
                Files.deleteIfExists(cpFile);
                Files.deleteIfExists(out);
            }
        }
    }

    private static String tail(String log) {
        return log.length() <= 4000 ? log : log.substring(log.length() - 4000);
    }
}
