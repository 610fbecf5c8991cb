package dev.fusion.bench.jmh;

import dev.fusion.Fusion;
import dev.fusion.FusionResult;
import dev.fusion.bench.Clients;
import dev.fusion.bench.server.ServerProcess;
import dev.fusion.judge.JudgePrompt;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One whole ask: {@value #MEMBERS} panel members called concurrently, then a judge given their
 * answers — {@value #CALLS} model calls per operation ({@code @OperationsPerInvocation}), so every
 * figure is per model call. Fusion's {@code ask()} versus the same fan-out written by hand on a
 * thread pool, once with raw OkHttp + Jackson and once with LangChain4j's {@code OpenAiChatModel}.
 * All three send the same judge prompt (Fusion's synthesize template) and price every call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 1)
@OperationsPerInvocation(FanOutBench.CALLS)
public class FanOutBench {

    static final int MEMBERS = 4;
    static final int CALLS = MEMBERS + 1;
    private static final String JUDGE = "judge-1";

    private ServerProcess server;
    private Fusion fusion;
    private Clients.Raw raw;
    private List<OpenAiChatModel> lcMembers;
    private OpenAiChatModel lcJudge;
    private ExecutorService pool;
    private final JudgePrompt judgePrompt = JudgePrompt.synthesize();
    private final List<String> members = Clients.members(MEMBERS);

    @Setup(Level.Trial)
    public void setUp() {
        server = ServerProcess.start("memberMs=0", "judgeMs=0");
        fusion = Clients.fusion(server.openAiBase(), members, JUDGE).build();
        raw = new Clients.Raw(server.openAiBase());
        lcMembers = new ArrayList<>();
        for (String m : members) {
            lcMembers.add(Clients.langchain4j(server.openAiBase(), m));
        }
        lcJudge = Clients.langchain4j(server.openAiBase(), JUDGE);
        pool = Executors.newFixedThreadPool(MEMBERS);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
        server.close();
    }

    @Benchmark
    public FusionResult fusionAsk() {
        return fusion.ask(Clients.PROMPT);
    }

    @Benchmark
    public BigDecimal rawOkHttpJacksonPool() throws Exception {
        List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
        for (String m : members) {
            calls.add(() -> raw.call(m, Clients.PROMPT));
        }
        return Clients.fanOutOnPool(pool, calls,
                answers -> raw.call(JUDGE, judgePrompt.system(), judgePrompt.render(Clients.PROMPT, answers)));
    }

    @Benchmark
    public BigDecimal langchain4jPool() throws Exception {
        List<java.util.concurrent.Callable<Clients.Answer>> calls = new ArrayList<>();
        for (OpenAiChatModel m : lcMembers) {
            calls.add(() -> Clients.langchain4jCall(m, Clients.PROMPT));
        }
        return Clients.fanOutOnPool(pool, calls, answers -> Clients.langchain4jCall(lcJudge, judgePrompt.system(),
                judgePrompt.render(Clients.PROMPT, answers)));
    }
}
