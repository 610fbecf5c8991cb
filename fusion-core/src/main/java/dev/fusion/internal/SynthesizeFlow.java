package dev.fusion.internal;

import dev.fusion.CallRecord;
import java.util.List;

/** The {@code synthesize, self-moa} strategy's flow: what it asks of the panel and the judge, and what it adds to the result. */
final class SynthesizeFlow extends Flow {
    SynthesizeFlow(AskRun run) {
        super(run);
    }

    @Override
    void onPanelAnswers(List<CallRecord> ok) {
        synthesize(ok);
    }
}
