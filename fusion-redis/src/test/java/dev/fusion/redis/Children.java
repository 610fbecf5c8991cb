package dev.fusion.redis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** Separate JVMs running {@link SharedAskMain} on the test class path; their output lines are collected. */
final class Children implements AutoCloseable {

    static final class Child {
        final Process process;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Child(Process process) {
            this.process = process;
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process died
                }
            }, "child-output");
            t.setDaemon(true);
            t.start();
        }

        /** Lets a child started with {@code go} begin its asks. */
        void go() throws IOException {
            process.getOutputStream().write("GO\n".getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        List<String> results() {
            return lines.stream().filter(l -> l.startsWith("OK ") || l.startsWith("ERR ")).toList();
        }
    }

    private final List<Child> children = new ArrayList<>();

    Child start(String... args) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", cp, SharedAskMain.class.getName()));
        cmd.addAll(List.of(args));
        Child c = new Child(new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start());
        children.add(c);
        return c;
    }

    /**
     * Waits until every child printed {@code READY} (its JVM started and connected; a bound on waiting of
     * {@code seconds}, not a timing assertion), then lets them all begin at once ({@link Child#go}).
     */
    void goTogether(long seconds) throws Exception {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Child c : children) {
            while (!c.lines.contains("READY")) {
                if (!c.process.isAlive() || System.nanoTime() - until > 0) {
                    throw new AssertionError("a child JVM did not get ready; output: " + c.lines);
                }
                Thread.sleep(10);
            }
        }
        for (Child c : children) {
            c.go();
        }
    }

    /** Waits until every child has exited (their output read), at most {@code seconds}. */
    void awaitAll(long seconds) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Child c : children) {
            long left = until - System.nanoTime();
            if (!c.process.waitFor(Math.max(1, left), TimeUnit.NANOSECONDS)) {
                throw new AssertionError("a child JVM did not finish within " + seconds + " s; output: " + c.lines);
            }
        }
        for (Child c : children) {
            long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!c.lines.contains("DONE") && System.nanoTime() < stop) {
                Thread.sleep(10);
            }
        }
    }

    /** Every child's result lines. */
    void childrenResults(List<String> into) {
        for (Child c : children) {
            into.addAll(c.results());
        }
    }

    @Override
    public void close() {
        for (Child c : children) {
            c.process.destroyForcibly();
        }
    }
}
