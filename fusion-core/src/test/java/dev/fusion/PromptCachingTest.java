package dev.fusion;

import dev.fusion.cost.Price;
import dev.fusion.cost.Rates;
import dev.fusion.cost.Usage;
import dev.fusion.judge.Strategy;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptCachingTest {

    @Test
    void cachedJudgeTokensAreInTheLedgerAndBilledAtTheCacheReadRate() {
        FakeModel judge = FakeModel.responding("anthropic:judge",
                r -> new ModelResponse("merged", new Usage(100, 3000, 0, 0, 200, 0), null, "end_turn", null));
        FusionResult r = Fusion.builder().panel(FakeModel.instant("p:a", "a")).judge(judge).cacheJudgePrompt(true)
                .price("anthropic:judge", Price.of(Rates.of("3", "15").withCacheRead("0.3"))).build().ask("q");
        CallRecord j = r.judge().orElseThrow();
        assertThat(j.usage().cacheRead()).isEqualTo(3000);
        // (100 x 3 + 3000 x 0.3 + 200 x 15) / 1M; the uncached rate would give 0.0123
        assertThat(j.cost().computedUsd()).isEqualByComparingTo("0.0042");
        assertThat(j.attributes()).containsEntry("fusion.usage.cache_read_tokens", 3000L);
        assertThat(r.totalUsage().cacheRead()).isEqualTo(3000);
        assertThat(judge.requests.get(0).cacheSystemPrompt()).isTrue();
    }

    @Test
    void everyStrategysJudgeCallsAskForCachingAndKeepAStableSystemPrefix() {
        for (Strategy s : List.of(Strategy.analyze(), Strategy.selectBest(), Strategy.synthesize())) {
            FakeModel judge = FakeModel.replying("p:judge", r -> "not json");
            Fusion f = Fusion.builder().panel(FakeModel.instant("p:a", "a"), FakeModel.instant("p:b", "b"))
                    .judge(judge).strategy(s).cacheJudgePrompt(true).build();
            f.ask("First question?");
            int firstAsk = judge.requests.size();
            f.ask("A completely different second question?");
            assertThat(judge.requests).as(s.name()).allMatch(ModelRequest::cacheSystemPrompt);
            assertThat(judge.requests).as(s.name()).allMatch(r -> !r.system().contains("question?"));
            for (int i = 0; i < firstAsk; i++) {
                // Same step in both asks, same system prompt: a cacheable prefix.
                assertThat(judge.requests.get(firstAsk + i).system()).isEqualTo(judge.requests.get(i).system());
            }
        }
    }
}
