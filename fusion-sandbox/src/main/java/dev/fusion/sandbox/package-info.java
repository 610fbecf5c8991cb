/**
 * A loopback server speaking the real OpenAI Chat Completions, Anthropic Messages and Gemini
 * generateContent wire formats, with scripted models and fault injection: the offline sandbox of
 * the {@code fusion} CLI, a fault server for resilience tests and a low-CPU server for benchmarks.
 *
 * <h2>Scripted models for tests</h2>
 * <pre>{@code
 * try (WireServer server = WireServer.start(Behaviour.builder()
 *         .model("ok", Reply.text("hello").latencyMillis(100).cachedTokens(10))
 *         .model("flaky", Script.failTimes(2, Fault.overloaded(), Script.echo()))
 *         .model("limited", Reply.fault(Fault.rateLimited(RetryAfter.seconds(2))))
 *         .model("cut", Reply.text("a long answer ...").withFault(Fault.midStreamError()))
 *         .build())) {
 *     String openAiBase = server.baseUrl(WireFormat.OPENAI);       // http://127.0.0.1:port/v1
 *     String anthropicBase = server.baseUrl(WireFormat.ANTHROPIC); // http://127.0.0.1:port
 *     String geminiBase = server.baseUrl(WireFormat.GEMINI);       // http://127.0.0.1:port (the gemini kind adds /v1beta)
 *     ...
 *     server.requestCount("flaky"); server.servedUsage(); server.maxInFlight();
 * }
 * }</pre>
 *
 * <h2>The sandbox</h2>
 * {@link dev.fusion.sandbox.Sandbox} has four panel personas and a judge that merges answers with
 * {@link dev.fusion.sandbox.SandboxMerger}; {@link dev.fusion.sandbox.SandboxMain} runs them.
 *
 * <h2>Load</h2>
 * Latencies are timers on Netty's event loops, so a server holds thousands of slow responses
 * without threads; {@link dev.fusion.sandbox.Behaviour.Builder#randomFaults} sprinkles faults
 * deterministically, and {@link dev.fusion.sandbox.WireServer#servedUsage()} lets a load test
 * check the client's ledger against what the server reported.
 */
package dev.fusion.sandbox;
