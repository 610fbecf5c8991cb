package dev.fusion.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code fusion sandbox}: starts the offline sandbox server alone, for your own code to call. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = "Run the offline sandbox server (OpenAI, Anthropic and Gemini wire formats) until stopped.")
final class SandboxCommand implements Callable<Integer> {

    /** The one line that tells how to stop the server. */
    static final String STOP_HINT = "Stop with Ctrl+C.";

    @Option(names = "--port", defaultValue = "0", description = "Port on 127.0.0.1 (0 = any free port).")
    int port;

    @Option(names = "--once", hidden = true, description = "Print the endpoints and exit (tests).")
    boolean once;

    @Override
    public Integer call() throws InterruptedException {
        FusionCli.Io io = FusionCli.io();
        if (port < 0 || port > 65535) {
            throw new CliException("--port must be between 0 and 65535");
        }
        try (SandboxBackend sb = SandboxBackend.start(port, SandboxBackend.latencyScale(io.env))) {
            // describe() ends with its own "Stop with Ctrl+C."; the CLI says it once, with the running line
            sb.describe().lines().filter(l -> !l.strip().equals(STOP_HINT)).forEach(l -> io.out.println("[sandbox] " + l));
            io.out.flush();
            if (!once) {
                io.out.println("[sandbox] running; " + STOP_HINT.substring(0, 1).toLowerCase(java.util.Locale.ROOT)
                        + STOP_HINT.substring(1));
                io.out.flush();
                new CountDownLatch(1).await();
            }
        }
        return 0;
    }
}
