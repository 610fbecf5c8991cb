package dev.fusion.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.Fusion;
import dev.fusion.RetryPolicy;
import dev.fusion.cost.Price;
import dev.fusion.model.ChatModel;
import dev.fusion.providers.ProviderKind;
import dev.fusion.providers.ProviderSpec;
import dev.fusion.providers.Providers;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The three clients compared, all speaking OpenAI Chat Completions to the benchmark server:
 * Fusion (through {@link Providers} and the shared OkHttp client), a hand-written OkHttp + Jackson
 * client (the floor), and LangChain4j's {@code OpenAiChatModel} (what a Java user writes today).
 * Every model is priced at $1 / $4 per million input / output tokens so the cost path runs.
 */
public final class Clients {

    public static final String PROVIDER = "sb";
    public static final String PROMPT = "Compare optimistic and pessimistic locking for a ledger service "
            + "that settles card payments; name the failure mode each one prevents and when you would pick it.";
    public static final int MAX_TOKENS = 1024;
    public static final BigDecimal IN_PRICE = new BigDecimal("1");
    public static final BigDecimal OUT_PRICE = new BigDecimal("4");
    private static final BigDecimal MILLION = new BigDecimal(1_000_000);

    private Clients() {
    }

    public static List<String> members(int n) {
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            ids.add("member-" + i);
        }
        return ids;
    }

    // ------------------------------------------------------------------ Fusion

    public static Providers providers(String openAiBase) {
        return Providers.builder().env(Map.of())
                .provider(PROVIDER, ProviderSpec.keyless(ProviderKind.OPENAI, openAiBase))
                .build();
    }

    public static Fusion.Builder fusion(String openAiBase, List<String> members, String judge) {
        Providers p = providers(openAiBase);
        Fusion.Builder b = Fusion.builder();
        for (String m : members) {
            b.panel(p.model(PROVIDER + ":" + m));
            b.price(PROVIDER + ":" + m, Price.of(IN_PRICE.toPlainString(), OUT_PRICE.toPlainString()));
        }
        b.judge(p.model(PROVIDER + ":" + judge));
        b.price(PROVIDER + ":" + judge, Price.of(IN_PRICE.toPlainString(), OUT_PRICE.toPlainString()));
        return b.retry(RetryPolicy.DEFAULT).judgeRetry(RetryPolicy.DEFAULT);
    }

    public static ChatModel fusionModel(String openAiBase, String model) {
        return providers(openAiBase).model(PROVIDER + ":" + model);
    }

    // ------------------------------------------------------------------ raw OkHttp + Jackson

    /** What a careful hand-written client does: build JSON, POST, parse text and usage, price it. */
    public static final class Raw {
        private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
        private final OkHttpClient client;
        private final ObjectMapper mapper = new ObjectMapper();
        private final String url;

        public Raw(String openAiBase) {
            this(openAiBase, new OkHttpClient.Builder().retryOnConnectionFailure(false).build());
        }

        public Raw(String openAiBase, OkHttpClient client) {
            this.client = client;
            this.url = openAiBase + "/chat/completions";
        }

        public OkHttpClient client() {
            return client;
        }

        public Answer call(String model, String prompt) {
            return call(model, null, prompt);
        }

        public Answer call(String model, String system, String prompt) {
            ObjectNode body = mapper.createObjectNode();
            body.put("model", model);
            var messages = body.putArray("messages");
            if (system != null) {
                messages.addObject().put("role", "system").put("content", system);
            }
            messages.addObject().put("role", "user").put("content", prompt);
            body.put("max_tokens", MAX_TOKENS);
            byte[] bytes;
            try {
                bytes = mapper.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Request req = new Request.Builder().url(url).post(RequestBody.create(bytes, JSON)).build();
            try (Response res = client.newCall(req).execute()) {
                if (!res.isSuccessful()) {
                    throw new IOException("HTTP " + res.code());
                }
                JsonNode root = mapper.readTree(res.body().byteStream());
                String text = root.path("choices").path(0).path("message").path("content").asText();
                JsonNode u = root.path("usage");
                long prompt0 = u.path("prompt_tokens").asLong();
                long cached = u.path("prompt_tokens_details").path("cached_tokens").asLong();
                long completion = u.path("completion_tokens").asLong();
                long reasoning = u.path("completion_tokens_details").path("reasoning_tokens").asLong();
                BigDecimal cost = IN_PRICE.multiply(BigDecimal.valueOf(prompt0)).add(OUT_PRICE.multiply(
                        BigDecimal.valueOf(completion))).divide(MILLION, MathContext.DECIMAL64);
                return new Answer(text, prompt0 - cached, cached, completion - reasoning, reasoning, cost);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * What a careful hand-written streaming client does with okhttp-sse and Jackson: POST with
     * {@code stream: true} and {@code stream_options.include_usage}, parse every chunk into a tree,
     * append each {@code choices[0].delta.content} piece to one builder, read the usage chunk, stop at
     * {@code [DONE]}, price the call. The like-for-like baseline of Fusion's streamed panel.
     */
    public static final class RawStream {
        private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
        private final okhttp3.sse.EventSource.Factory sse;
        private final ObjectMapper mapper = new ObjectMapper();
        private final String url;

        public RawStream(String openAiBase) {
            this(openAiBase, new OkHttpClient.Builder().retryOnConnectionFailure(false).build());
        }

        public RawStream(String openAiBase, OkHttpClient client) {
            this.sse = okhttp3.sse.EventSources.createFactory(client);
            this.url = openAiBase + "/chat/completions";
        }

        public Answer call(String model, String prompt) {
            ObjectNode body = mapper.createObjectNode();
            body.put("model", model);
            body.putArray("messages").addObject().put("role", "user").put("content", prompt);
            body.put("max_tokens", MAX_TOKENS);
            body.put("stream", true);
            body.putObject("stream_options").put("include_usage", true);
            byte[] bytes;
            try {
                bytes = mapper.writeValueAsBytes(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Request req = new Request.Builder().url(url).header("Accept", "text/event-stream")
                    .post(RequestBody.create(bytes, JSON)).build();
            java.util.concurrent.CompletableFuture<Answer> done = new java.util.concurrent.CompletableFuture<>();
            sse.newEventSource(req, new okhttp3.sse.EventSourceListener() {
                private final StringBuilder text = new StringBuilder();
                private JsonNode usage;

                @Override
                public void onEvent(okhttp3.sse.EventSource source, String id, String type, String data) {
                    if ("[DONE]".equals(data)) {
                        // Not cancelled: the server closes the stream next, and the connection goes back to
                        // the pool (a cancel would drop it and cost a new connection per call).
                        finish();
                        return;
                    }
                    try {
                        JsonNode chunk = mapper.readTree(data);
                        JsonNode choices = chunk.path("choices");
                        if (choices.size() > 0) {
                            JsonNode piece = choices.get(0).path("delta").get("content");
                            if (piece != null && piece.isTextual()) {
                                text.append(piece.asText());
                            }
                        }
                        JsonNode u = chunk.get("usage");
                        if (u != null && u.isObject()) {
                            usage = u;
                        }
                    } catch (IOException e) {
                        done.completeExceptionally(e);
                        source.cancel();
                    }
                }

                @Override
                public void onClosed(okhttp3.sse.EventSource source) {
                    finish();
                }

                @Override
                public void onFailure(okhttp3.sse.EventSource source, Throwable t, Response response) {
                    done.completeExceptionally(t != null ? t : new IOException("HTTP "
                            + (response == null ? "?" : response.code())));
                }

                private void finish() {
                    if (done.isDone()) {
                        return;
                    }
                    if (usage == null) {
                        done.completeExceptionally(new IOException("the stream carried no usage"));
                        return;
                    }
                    long prompt0 = usage.path("prompt_tokens").asLong();
                    long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong();
                    long completion = usage.path("completion_tokens").asLong();
                    long reasoning = usage.path("completion_tokens_details").path("reasoning_tokens").asLong();
                    BigDecimal cost = IN_PRICE.multiply(BigDecimal.valueOf(prompt0)).add(OUT_PRICE.multiply(
                            BigDecimal.valueOf(completion))).divide(MILLION, MathContext.DECIMAL64);
                    done.complete(new Answer(text.toString(), prompt0 - cached, cached, completion - reasoning,
                            reasoning, cost));
                }
            });
            try {
                return done.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A LangChain4j streaming model (what a Java user writes today for a streamed call). */
    public static dev.langchain4j.model.openai.OpenAiStreamingChatModel langchain4jStreaming(String openAiBase,
            String model) {
        return dev.langchain4j.model.openai.OpenAiStreamingChatModel.builder()
                .baseUrl(openAiBase)
                .apiKey("sk-bench")
                .modelName(model)
                .maxTokens(MAX_TOKENS)
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    /** A LangChain4j streamed call, waited for, priced from the reported usage. */
    public static Answer langchain4jStream(dev.langchain4j.model.openai.OpenAiStreamingChatModel model, String prompt) {
        java.util.concurrent.CompletableFuture<ChatResponse> done = new java.util.concurrent.CompletableFuture<>();
        model.chat(java.util.List.of(UserMessage.from(prompt)),
                new dev.langchain4j.model.chat.response.StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(String partialResponse) {
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse completeResponse) {
                        done.complete(completeResponse);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                });
        ChatResponse r;
        try {
            r = done.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        long in = r.tokenUsage().inputTokenCount();
        long out = r.tokenUsage().outputTokenCount();
        BigDecimal cost = IN_PRICE.multiply(BigDecimal.valueOf(in)).add(OUT_PRICE.multiply(BigDecimal.valueOf(out)))
                .divide(MILLION, MathContext.DECIMAL64);
        return new Answer(r.aiMessage().text(), in, 0, out, 0, cost);
    }

    /** One raw answer. */
    public record Answer(String text, long input, long cacheRead, long output, long reasoning, BigDecimal costUsd) {
    }

    // ------------------------------------------------------------------ LangChain4j

    public static OpenAiChatModel langchain4j(String openAiBase, String model) {
        return OpenAiChatModel.builder()
                .baseUrl(openAiBase)
                .apiKey("sk-bench")
                .modelName(model)
                .maxTokens(MAX_TOKENS)
                .timeout(Duration.ofSeconds(60))
                .build();
    }

    /** A LangChain4j call as its user would price it: from the reported token usage. */
    public static Answer langchain4jCall(OpenAiChatModel model, String prompt) {
        return langchain4jCall(model, null, prompt);
    }

    public static Answer langchain4jCall(OpenAiChatModel model, String system, String prompt) {
        ChatResponse r = system == null ? model.chat(UserMessage.from(prompt))
                : model.chat(SystemMessage.from(system), UserMessage.from(prompt));
        long in = r.tokenUsage().inputTokenCount();
        long out = r.tokenUsage().outputTokenCount();
        BigDecimal cost = IN_PRICE.multiply(BigDecimal.valueOf(in)).add(OUT_PRICE.multiply(BigDecimal.valueOf(out)))
                .divide(MILLION, MathContext.DECIMAL64);
        return new Answer(r.aiMessage().text(), in, 0, out, 0, cost);
    }

    /**
     * What a Java user writes today without Fusion: every member called at once on a thread pool,
     * then the judge on the answers (rendered with Fusion's judge template so both send the same
     * prompt). Returns the summed cost of all calls.
     *
     * @param members one call per panel member
     * @param judge   the judge call, given the answers in member order
     */
    public static java.math.BigDecimal fanOutOnPool(java.util.concurrent.ExecutorService pool,
            java.util.List<java.util.concurrent.Callable<Answer>> members,
            java.util.function.Function<java.util.List<String>, Answer> judge) throws Exception {
        java.util.List<java.util.concurrent.Future<Answer>> fs = new java.util.ArrayList<>();
        for (java.util.concurrent.Callable<Answer> m : members) {
            fs.add(pool.submit(m));
        }
        java.util.List<String> answers = new java.util.ArrayList<>();
        java.math.BigDecimal cost = java.math.BigDecimal.ZERO;
        for (java.util.concurrent.Future<Answer> f : fs) {
            Answer a = f.get();
            answers.add(a.text());
            cost = cost.add(a.costUsd());
        }
        return cost.add(judge.apply(answers).costUsd());
    }
}
