package dev.fusion.readme;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's library quick start (and the real-keys variant in docs/getting-started.md), exactly as printed: extracted from the fenced block after its
 * marker comment, compiled with javax.tools against this module's test class path (the reactor's
 * classes, nothing installed) and run in a fresh JVM whose environment is empty, so no key can help.
 */
@Timeout(180)
class ReadmeQuickStartTest {

    static Path readme() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.exists(dir.resolve("README.md")) && Files.exists(dir.resolve("fusion-core")))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("the repository root above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir.resolve("README.md");
    }

    /** README.md and every page under docs/, one after another: what a reader of the docs sees. */
    static String docs() throws java.io.IOException {
        StringBuilder all = new StringBuilder();
        for (Path page : DocsSnippetsTest.pages(readme().getParent())) {
            all.append(Files.readString(page)).append('\n');
        }
        return all.toString();
    }

    /** The first ```java block after {@code <!-- marker -->}. */
    static String block(String readme, String marker) {
        int m = readme.indexOf("<!-- " + marker + " -->");
        assertThat(m).as("README marker " + marker).isNotNegative();
        int open = readme.indexOf("```java\n", m);
        int close = readme.indexOf("\n```", open + 8);
        assertThat(open).isNotNegative();
        assertThat(close).isGreaterThan(open);
        return readme.substring(open + 8, close + 1);
    }

    static String classPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    static void compile(Path dir, String className, String source) throws IOException {
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-proc:none", "-classpath", classPath(),
                "-d", dir.toString(), file.toString());
        assertThat(rc).as("javac of the README's " + className + ":\n" + diagnostics.toString(StandardCharsets.UTF_8)).isZero();
    }

    record Ran(int code, String out) {
    }

    static Ran runWithEmptyEnvironment(Path dir, String className) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", dir + File.pathSeparator + classPath(), className)
                .redirectErrorStream(true);
        pb.environment().clear(); // no OPENROUTER_API_KEY, no ANTHROPIC_API_KEY, nothing
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Ran(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theSandboxQuickStartCompilesAndRunsAsWrittenWithNoKeys(@TempDir Path dir) throws Exception {
        String source = block(Files.readString(readme()), "readme-quickstart:sandbox");
        assertThat(source).startsWith("import ").contains("public static void main");
        compile(dir, "QuickStart", source);
        Ran r = runWithEmptyEnvironment(dir, "QuickStart");
        assertThat(r.code()).as(r.out()).isZero();
        // the sandbox judge's merge (the answer carries no label: the sandbox says so in response headers)
        assertThat(r.out()).contains("What the answers agree on", "consistency", "sandbox-openai:sandbox-judge ok", "total $")
                .doesNotContain("unpriced", "Exception");
    }

    @Test
    void theRealKeysVariantCompilesAndWithoutKeysFailsBeforeAnyCallNamingTheVariable(@TempDir Path dir) throws Exception {
        String source = block(docs(), "readme-quickstart:real");
        compile(dir, "QuickStartReal", source);
        Ran r = runWithEmptyEnvironment(dir, "QuickStartReal");
        assertThat(r.code()).isNotZero();
        assertThat(r.out()).contains("_API_KEY");
    }

    @Test
    void everyModelNamedInTheRealKeysVariantHasABundledPrice() throws Exception {
        String source = block(docs(), "readme-quickstart:real");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("model\\(\"([^\"]+)\"\\)").matcher(source);
        List<String> refs = new java.util.ArrayList<>();
        while (m.find()) {
            refs.add(m.group(1));
        }
        assertThat(refs).hasSize(4);
        dev.fusion.cost.PriceBook book = dev.fusion.providers.BundledPrices.load();
        for (String ref : refs) {
            assertThat(book.find(dev.fusion.model.ModelRef.parse(ref))).as(ref).isPresent();
        }
    }
}
