package dev.fusion.cli;

import java.util.Locale;

/**
 * What each strategy shows on the sandbox's default panel, said on stderr before an ask so a user knows what
 * to look for: the personas are scripted to behave the way the strategy is built for (agreeing on questions
 * that ask for just the answer, disagreeing on a ticket's priority), which is a demonstration of the
 * strategy's mechanics, not evidence of how real models behave. Stateless.
 */
final class SandboxDemo {

    private SandboxDemo() {
    }

    /** One line for the strategy named {@code strategy} (as --strategy takes it, without options). */
    static String line(String strategy) {
        String name = strategy == null ? "synthesize" : strategy.trim().toLowerCase(Locale.ROOT);
        String what = switch (name) {
            case "analyze" -> "the judge first writes a JSON analysis of the answers (consensus, unique insights),"
                    + " then the answer from it: two judge calls in the cost table";
            case "select-best" -> "the judge ranks the answers twice, the second time in reversed order, and the"
                    + " winner is returned word for word";
            case "self-moa" -> "one model answers several times and the judge merges the samples";
            case "layered" -> "every member answers again in round 2 after reading round 1's answers (rows marked"
                    + " \"(round 2)\"), then the judge merges the last round";
            case "cascade" -> "cheap answers that agree skip the judge: a question that asks for just the answer"
                    + " (\"What is the capital of France? Answer with the city name.\") gets the same short answer from"
                    + " every persona and no judge call; an open question (\"What is the CAP theorem?\") goes to the judge";
            case "vote" -> "each field of the JSON answer takes the value most members give; the personas read a"
                    + " ticket's tone and priority differently on purpose, so you see shares under 100% and the judge"
                    + " called only for the fields without a majority (a panel of two or three that agrees calls no judge)";
            default -> "the judge merges the personas' answers, points most of them make first (the sandbox judge"
                    + " merges by sentence overlap; no model is called)";
        };
        return "demonstration of " + name + ": " + what;
    }
}
