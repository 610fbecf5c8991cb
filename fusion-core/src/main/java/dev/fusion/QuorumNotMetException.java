package dev.fusion;

import java.util.List;

/** Fewer panel members answered than the quorum requires. */
public class QuorumNotMetException extends AskFailedException {
    private static final long serialVersionUID = 1L;
    private final int quorum;
    private final int answered;

    public QuorumNotMetException(int quorum, int answered, List<CallRecord> calls) {
        super("quorum not met: " + answered + " of " + quorum + " required panel answers ("
                + summarize(calls) + ")", calls);
        this.quorum = quorum;
        this.answered = answered;
    }

    static String summarize(List<CallRecord> calls) {
        StringBuilder sb = new StringBuilder();
        boolean configuration = false;
        for (CallRecord c : calls) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(c.memberId()).append(' ').append(c.status().wireName());
            if (c.error() != null) {
                sb.append(" (").append(c.error().type());
                if (dev.fusion.model.ProviderException.CONFIGURATION_ERROR.equals(c.error().type())
                        && !configuration) {
                    // a class path conflict: say what is missing (once; the next members repeat it)
                    sb.append(": ").append(c.error().message());
                    configuration = true;
                }
                sb.append(')');
            }
        }
        return sb.toString();
    }

    public int quorum() { return quorum; }

    public int answered() { return answered; }
}
