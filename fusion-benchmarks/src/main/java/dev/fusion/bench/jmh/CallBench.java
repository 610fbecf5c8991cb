package dev.fusion.bench.jmh;

import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.cost.Cost;
import dev.fusion.cost.Price;
import dev.fusion.cost.PriceBook;
import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.model.ModelResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One model call, one at a time, against the zero-latency benchmark server (a separate process):
 * the hand-written OkHttp + Jackson client, Fusion's provider layer (request build, OkHttp
 * enqueue, JSON, usage, cost) and LangChain4j's {@code OpenAiChatModel}. Read the CPU figures of
 * {@link CpuProfiler}, not the wall time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
public class CallBench {

    private ServerProcess server;
    private Clients.Raw raw;
    private ChatModel fusion;
    private PriceBook prices;
    private ModelRequest request;
    private OpenAiChatModel langchain4j;

    @Setup(Level.Trial)
    public void setUp() {
        server = ServerProcess.start("memberMs=0", "judgeMs=0");
        raw = new Clients.Raw(server.openAiBase());
        fusion = Clients.fusionModel(server.openAiBase(), "member-1");
        prices = PriceBook.empty().with(fusion.ref(), Price.of(Clients.IN_PRICE.toPlainString(),
                Clients.OUT_PRICE.toPlainString()));
        request = ModelRequest.builder().user(Clients.PROMPT).maxOutputTokens(Clients.MAX_TOKENS).build();
        langchain4j = Clients.langchain4j(server.openAiBase(), "member-1");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        server.close();
    }

    @Benchmark
    public Clients.Answer rawOkHttpJackson() {
        return raw.call("member-1", Clients.PROMPT);
    }

    @Benchmark
    public Cost fusionProviderCall() {
        ModelResponse r = fusion.call(request).block();
        return prices.cost(fusion.ref(), r.usage(), r.reportedCostUsd());
    }

    @Benchmark
    public Clients.Answer langchain4j() {
        return Clients.langchain4jCall(langchain4j, Clients.PROMPT);
    }
}
