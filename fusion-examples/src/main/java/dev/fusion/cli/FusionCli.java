package dev.fusion.cli;

import dev.fusion.FusionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Map;

/**
 * The {@code fusion} command line: {@code ask}, {@code preview}, {@code eval}, {@code sandbox},
 * {@code models}, {@code serve}. Exit codes: 0 answered; 1 the ask ran but could not answer (quorum, judges,
 * budget); 2 bad usage or configuration (a one-line reason on stderr).
 */
@Command(name = "fusion", mixinStandardHelpOptions = true, version = "fusion 0.1.0",
        description = "Ask a panel of LLMs at once, merge their answers with a judge, and cost every call.",
        subcommands = {AskCommand.class, PreviewCommand.class, EvalCommand.class, TuneCommand.class, SandboxCommand.class,
                ModelsCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class FusionCli implements Runnable {

    /** Where commands write; set per invocation so the CLI can run in-process (tests). */
    static final class Io {
        final PrintStream out;
        final PrintStream err;
        final Map<String, String> env;
        final boolean terminal;
        /** Today, for price ages (injectable for tests). */
        final java.time.Clock clock;

        Io(PrintStream out, PrintStream err, Map<String, String> env, boolean terminal) {
            this(out, err, env, terminal, java.time.Clock.systemUTC());
        }

        Io(PrintStream out, PrintStream err, Map<String, String> env, boolean terminal, java.time.Clock clock) {
            this.out = out;
            this.err = err;
            this.env = env;
            this.terminal = terminal;
            this.clock = clock;
        }
    }

    private static final ThreadLocal<Io> IO = new ThreadLocal<>();

    static Io io() {
        return IO.get();
    }

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(io().out);
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, System.getenv(), System.console() != null);
        System.out.flush();
        System.exit(code);
    }

    /** Runs the CLI in this process and returns its exit code. */
    public static int run(String[] args, PrintStream rawOut, PrintStream rawErr, Map<String, String> env, boolean terminal) {
        return run(args, rawOut, rawErr, env, terminal, java.time.Clock.systemUTC());
    }

    /** As {@link #run(String[], PrintStream, PrintStream, Map, boolean)}, with today taken from {@code clock}. */
    public static int run(String[] args, PrintStream rawOut, PrintStream rawErr, Map<String, String> env, boolean terminal,
                          java.time.Clock clock) {
        // Everything the CLI prints passes through the redactor, line by line.
        PrintStream out = RedactingOutputStream.wrap(rawOut);
        PrintStream err = RedactingOutputStream.wrap(rawErr);
        IO.set(new Io(out, err, env, terminal, clock));
        try {
            CommandLine cl = new CommandLine(new FusionCli());
            // Help fits the terminal (COLUMNS), at least picocli's minimum.
            cl.setUsageHelpWidth(Math.max(55, width(env)));
            FlagValues.register(cl);
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            cl.setParameterExceptionHandler((ex, a) -> {
                err.println("fusion: " + usageError(ex));
                return 2;
            });
            cl.setExecutionExceptionHandler((ex, c, parsed) -> {
                Throwable t = ex;
                if (t instanceof CliException || t instanceof FusionException || t instanceof IllegalArgumentException) {
                    err.println("fusion: " + oneLine(CliTerms.translate(t.getMessage())));
                    return 2;
                }
                err.println("fusion: unexpected " + t.getClass().getSimpleName() + ": " + oneLine(String.valueOf(t.getMessage())));
                return 3;
            });
            return cl.execute(args);
        } finally {
            IO.remove();
            out.flush();
            err.flush();
        }
    }

    /**
     * A usage error in the user's words, with where to look: picocli's "Unmatched argument at index 0: 'frob'"
     * becomes "unknown command or argument 'frob'; see fusion --help".
     */
    static String usageError(CommandLine.ParameterException ex) {
        String cmd = ex.getCommandLine().getCommandName();
        String help = "fusion " + (cmd.equals("fusion") ? "" : cmd + " ") + "--help";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
            String first = u.getUnmatched().get(0);
            String what = first.startsWith("-") ? "unknown option '" + first + "'"
                    : cmd.equals("fusion") ? "unknown command or argument '" + first + "'"
                    : "unexpected argument '" + first + "'";
            java.util.List<String> hints = new java.util.ArrayList<>();
            for (String s : u.getSuggestions()) {
                if (hints.size() < 3) {
                    hints.add(s);
                }
            }
            return what + (hints.isEmpty() ? "" : " (did you mean " + String.join(", ", hints) + "?)") + "; see " + help;
        }
        String m = ex.getMessage() == null ? "bad usage" : ex.getMessage().lines().findFirst().orElse("bad usage");
        return m + " (see " + help + ")";
    }

    /** The terminal's width: {@code COLUMNS} when it holds a sensible number, else 80. */
    static int width(Map<String, String> env) {
        String c = env.get("COLUMNS");
        if (c != null && c.trim().matches("\\d{2,4}")) {
            int w = Integer.parseInt(c.trim());
            if (w >= 40) {
                return w;
            }
        }
        return dev.fusion.cli.render.CostTable.DEFAULT_WIDTH;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }
}
