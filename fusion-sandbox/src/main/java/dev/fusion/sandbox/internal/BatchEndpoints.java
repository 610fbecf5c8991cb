package dev.fusion.sandbox.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fusion.cost.Usage;
import dev.fusion.sandbox.Behaviour;
import dev.fusion.sandbox.Fault;
import dev.fusion.sandbox.Reply;
import dev.fusion.sandbox.WireFormat;
import dev.fusion.sandbox.WireRequest;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The three batch APIs of the sandbox, answered from the same {@link Behaviour} as direct calls:
 * OpenAI Batch ({@code POST /v1/files} multipart, {@code POST /v1/batches}, {@code GET /v1/batches/{id}},
 * {@code GET /v1/files/{id}/content}), Anthropic Message Batches ({@code POST /v1/messages/batches},
 * {@code GET /v1/messages/batches/{id}}, {@code GET .../results}) and Gemini batch mode
 * ({@code POST /v1beta/models/{m}:batchGenerateContent}, {@code GET /v1beta/batches/{id}}).
 *
 * <p>Each item is decided once, at submission (it counts as one request of its model); its answer is
 * released when the job ends: {@link Behaviour#batchTurnaround()} after submission on
 * {@link Behaviour#batchClock()}, or at the end of the window as expired when an item
 * {@linkplain Fault#hang() hangs} or the turnaround is longer than the window. An item whose reply is a
 * fault is an errored item (the fault's status and message). Thread-safe.
 */
final class BatchEndpoints {

    private final Behaviour behaviour;
    private final Map<WireFormat, Dialect> dialects;
    /** Counts one request per item of its model (the server's per-model sequence) and returns the sequence. */
    private final Function<String, Long> count;
    private final BiConsumer<String, Usage> served;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong submittedItems = new AtomicLong();
    private final AtomicLong submittedJobs = new AtomicLong();

    BatchEndpoints(Behaviour behaviour, Map<WireFormat, Dialect> dialects, Function<String, Long> count,
                   BiConsumer<String, Usage> served) {
        this.behaviour = behaviour;
        this.dialects = dialects;
        this.count = count;
        this.served = served;
    }

    long submittedItems() {
        return submittedItems.get();
    }

    long submittedJobs() {
        return submittedJobs.get();
    }

    /** An HTTP answer: status, content type, body. */
    record Answer(int status, String contentType, String body) {
        static Answer json(int status, JsonNode body) {
            return new Answer(status, "application/json", Dialect.write(body));
        }
    }

    /** Whether this request is for a batch endpoint. */
    static boolean matches(String method, String path) {
        return path.equals("/v1/files") || path.startsWith("/v1/files/") || path.equals("/v1/batches")
                || path.startsWith("/v1/batches/") || path.equals("/v1/messages/batches")
                || path.startsWith("/v1/messages/batches/") || path.startsWith("/v1beta/batches/")
                || path.endsWith(":batchGenerateContent");
    }

    /** Answers one batch endpoint request; {@code body} is the raw request body. */
    Answer handle(String method, String path, String contentType, byte[] body, String key, String baseUrl) {
        try {
            if (behaviour.requiredApiKey() != null && !behaviour.requiredApiKey().equals(key)) {
                return error(401, key == null ? "No API key provided (sandbox server requires one)."
                        : "Incorrect API key provided (sandbox server).", "authentication_error");
            }
            boolean post = method.equals("POST");
            if (post && path.equals("/v1/files")) {
                return uploadFile(contentType, body);
            }
            if (!post && path.startsWith("/v1/files/") && path.endsWith("/content")) {
                String id = path.substring("/v1/files/".length(), path.length() - "/content".length());
                byte[] content = files.get(id);
                return content == null ? error(404, "No such file: " + id, "invalid_request_error")
                        : new Answer(200, "application/jsonl", new String(content, StandardCharsets.UTF_8));
            }
            if (post && path.equals("/v1/batches")) {
                return createOpenAi(json(body), key);
            }
            if (!post && path.startsWith("/v1/batches/")) {
                Job job = jobs.get(path.substring("/v1/batches/".length()));
                return job == null || job.format != WireFormat.OPENAI ? error(404, "No such batch", "invalid_request_error")
                        : Answer.json(200, openAiStatus(job));
            }
            if (post && path.equals("/v1/messages/batches")) {
                return createAnthropic(json(body), baseUrl, key);
            }
            if (!post && path.startsWith("/v1/messages/batches/")) {
                String rest = path.substring("/v1/messages/batches/".length());
                boolean results = rest.endsWith("/results");
                Job job = jobs.get(results ? rest.substring(0, rest.length() - "/results".length()) : rest);
                if (job == null || job.format != WireFormat.ANTHROPIC) {
                    return error(404, "No such message batch", "not_found_error");
                }
                if (!results) {
                    return Answer.json(200, anthropicStatus(job, baseUrl));
                }
                if (!job.ended(now())) {
                    return error(400, "The message batch has not ended yet", "invalid_request_error");
                }
                return new Answer(200, "application/binary", anthropicResults(job));
            }
            if (post && path.endsWith(":batchGenerateContent")) {
                int m = path.indexOf("/models/");
                String model = java.net.URLDecoder.decode(path.substring(m + 8, path.length() - ":batchGenerateContent".length()),
                        StandardCharsets.UTF_8);
                return createGemini(json(body), model, key);
            }
            if (!post && path.startsWith("/v1beta/batches/")) {
                Job job = jobs.get(path.substring("/v1beta/".length()));
                return job == null || job.format != WireFormat.GEMINI ? error(404, "No such batch", "NOT_FOUND")
                        : Answer.json(200, geminiOperation(job));
            }
            return error(404, "The sandbox server has no endpoint " + method + " " + path, "invalid_request_error");
        } catch (IllegalArgumentException e) {
            return error(400, e.getMessage(), "invalid_request_error");
        }
    }

    private Instant now() {
        return behaviour.batchClock().instant();
    }

    // ---- one job ------------------------------------------------------------------------------

    /** One item: its answer body (success), or its error body and status, or a hang (never finishes). */
    private record Item(String customId, String model, JsonNode answer, int errorStatus, JsonNode error, boolean hangs,
                        Usage usage) {
    }

    private static final class Job {
        final String id;
        final WireFormat format;
        final String model;
        final Instant created;
        final Instant endsAt;
        final boolean expires;
        final List<Item> items;
        volatile boolean counted;

        Job(String id, WireFormat format, String model, Instant created, Duration turnaround, Duration window,
            List<Item> items) {
            this.id = id;
            this.format = format;
            this.model = model;
            this.created = created;
            this.items = items;
            boolean hang = items.stream().anyMatch(Item::hangs);
            this.expires = hang || turnaround.compareTo(window) > 0;
            this.endsAt = created.plus(expires ? window : turnaround);
        }

        boolean ended(Instant now) {
            return !now.isBefore(endsAt);
        }

        /** Whether an item has its result: all finished ones once ended; none of them if the turnaround passed the window. */
        boolean finished(Item item, Instant now, Duration turnaround, Duration window) {
            return ended(now) && !item.hangs() && turnaround.compareTo(window) <= 0;
        }

        /** Items done so far: linear in time over the turnaround (the finishing ones only). */
        int done(Instant now, Duration turnaround, Duration window) {
            long finishing = items.stream().filter(i -> !i.hangs()).count();
            if (turnaround.compareTo(window) > 0) {
                return 0;
            }
            if (!now.isBefore(created.plus(turnaround))) {
                return (int) finishing;
            }
            long total = Math.max(1, turnaround.toMillis());
            long elapsed = Math.max(0, Duration.between(created, now).toMillis());
            return (int) (finishing * elapsed / total);
        }
    }

    private Job create(WireFormat format, String model, List<String> customIds, List<JsonNode> bodies, String pathModel,
                       String key) {
        if (customIds.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one request");
        }
        if (customIds.stream().distinct().count() != customIds.size()) {
            throw new IllegalArgumentException("custom ids must be unique within a batch");
        }
        Dialect dialect = dialects.get(format);
        List<Item> items = new ArrayList<>();
        String jobModel = model;
        for (int i = 0; i < customIds.size(); i++) {
            JsonNode b = bodies.get(i);
            if (b == null || !b.isObject()) {
                throw new IllegalArgumentException("request " + customIds.get(i) + " has no body object");
            }
            WireRequest parsed = dialect.parse(b, pathModel, false, key);
            long seq = count.apply(parsed.model());
            WireRequest request = parsed.withSequence(seq);
            jobModel = jobModel == null ? parsed.model() : jobModel;
            Reply reply;
            try {
                reply = behaviour.decide(request);
            } catch (RuntimeException e) {
                reply = Reply.fault(Fault.http(500, "The sandbox script for this model threw " + e));
            }
            Dialect.Call call = ServerCore.plan(dialect, request, reply, format == WireFormat.OPENAI
                    ? "chatcmpl-sandboxb" + Long.toString(ids.incrementAndGet(), 36)
                    : format == WireFormat.ANTHROPIC ? "msg_sandboxb" + Long.toString(ids.incrementAndGet(), 36)
                    : "sandboxb" + Long.toString(ids.incrementAndGet(), 36));
            Fault fault = reply.fault().orElse(null);
            if (fault == null) {
                items.add(new Item(customIds.get(i), parsed.model(), read(dialect.body(call)), 0, null, false, call.usage()));
            } else if (fault.kind() == Fault.Kind.HANG) {
                items.add(new Item(customIds.get(i), parsed.model(), null, 0, null, true, Usage.ZERO));
            } else {
                int status = fault.kind() == Fault.Kind.HTTP_ERROR ? fault.status() : 500;
                items.add(new Item(customIds.get(i), parsed.model(), null, status,
                        read(dialect.errorBody(call, status, fault.message().orElse(null))), false, Usage.ZERO));
            }
        }
        submittedItems.addAndGet(items.size());
        submittedJobs.incrementAndGet();
        String id = switch (format) {
            case OPENAI -> "batch_sandbox" + Long.toString(ids.incrementAndGet(), 36);
            case ANTHROPIC -> "msgbatch_sandbox" + Long.toString(ids.incrementAndGet(), 36);
            default -> "batches/sandbox" + Long.toString(ids.incrementAndGet(), 36);
        };
        Job job = new Job(id, format, jobModel, now(), behaviour.batchTurnaround(), behaviour.batchWindow(), items);
        jobs.put(id, job);
        return job;
    }

    /** Counts the usage of a job's delivered answers once, when its results are first read. */
    private void countServed(Job job) {
        if (job.counted) {
            return;
        }
        synchronized (job) {
            if (job.counted) {
                return;
            }
            job.counted = true;
            for (Item i : job.items) {
                if (i.answer() != null && job.finished(i, now(), behaviour.batchTurnaround(), behaviour.batchWindow())) {
                    served.accept(i.model(), i.usage());
                }
            }
        }
    }

    private boolean finished(Job job, Item i, Instant now) {
        return job.finished(i, now, behaviour.batchTurnaround(), behaviour.batchWindow());
    }

    // ---- OpenAI ---------------------------------------------------------------------------------

    private Answer uploadFile(String contentType, byte[] body) {
        Map<String, byte[]> parts = Multipart.parse(contentType, body);
        byte[] file = parts.get("file");
        if (file == null) {
            throw new IllegalArgumentException("multipart upload without a 'file' part");
        }
        if (!"batch".equals(parts.containsKey("purpose") ? new String(parts.get("purpose"), StandardCharsets.UTF_8) : null)) {
            throw new IllegalArgumentException("purpose must be 'batch'");
        }
        String id = "file-sandbox" + Long.toString(ids.incrementAndGet(), 36);
        files.put(id, file);
        ObjectNode o = Dialect.object();
        o.put("id", id).put("object", "file").put("bytes", file.length).put("created_at", now().getEpochSecond())
                .put("filename", "batch.jsonl").put("purpose", "batch");
        return Answer.json(200, o);
    }

    private Answer createOpenAi(JsonNode req, String key) {
        String fileId = req.path("input_file_id").asText("");
        byte[] file = files.get(fileId);
        if (file == null) {
            throw new IllegalArgumentException("No such input file: " + fileId);
        }
        String endpoint = req.path("endpoint").asText("");
        if (!endpoint.equals("/v1/chat/completions")) {
            throw new IllegalArgumentException("endpoint must be /v1/chat/completions (sandbox), was " + endpoint);
        }
        if (!"24h".equals(req.path("completion_window").asText())) {
            throw new IllegalArgumentException("completion_window must be 24h");
        }
        List<String> customIds = new ArrayList<>();
        List<JsonNode> bodies = new ArrayList<>();
        for (String line : new String(file, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode l = read(line);
            if (!"POST".equals(l.path("method").asText()) || !endpoint.equals(l.path("url").asText())) {
                throw new IllegalArgumentException("each line needs method POST and url " + endpoint);
            }
            customIds.add(l.path("custom_id").asText());
            bodies.add(l.get("body"));
        }
        Job job = create(WireFormat.OPENAI, null, customIds, bodies, null, key);
        return Answer.json(200, openAiStatus(job));
    }

    private ObjectNode openAiStatus(Job job) {
        Instant now = now();
        ObjectNode o = Dialect.object();
        o.put("id", job.id).put("object", "batch").put("endpoint", "/v1/chat/completions")
                .put("completion_window", "24h").put("created_at", job.created.getEpochSecond());
        boolean ended = job.ended(now);
        o.put("status", !ended ? "in_progress" : job.expires ? "expired" : "completed");
        int failed = 0;
        int completed = 0;
        for (Item i : job.items) {
            if (finished(job, i, now)) {
                if (i.answer() != null) {
                    completed++;
                } else {
                    failed++;
                }
            }
        }
        if (!ended) {
            completed = job.done(now, behaviour.batchTurnaround(), behaviour.batchWindow());
            failed = 0;
        }
        ObjectNode counts = o.putObject("request_counts");
        counts.put("total", job.items.size()).put("completed", completed).put("failed", failed);
        if (ended) {
            StringBuilder out = new StringBuilder();
            StringBuilder err = new StringBuilder();
            for (Item i : job.items) {
                if (!finished(job, i, now)) {
                    continue;
                }
                ObjectNode line = Dialect.object();
                line.put("id", "batch_req_" + i.customId()).put("custom_id", i.customId());
                ObjectNode resp = line.putObject("response");
                resp.put("status_code", i.answer() != null ? 200 : i.errorStatus()).put("request_id", "req_sandbox");
                resp.set("body", i.answer() != null ? i.answer() : i.error());
                line.putNull("error");
                (i.answer() != null ? out : err).append(Dialect.write(line)).append('\n');
            }
            if (out.length() > 0) {
                String id = job.id.replace("batch_", "file-out-");
                files.putIfAbsent(id, out.toString().getBytes(StandardCharsets.UTF_8));
                o.put("output_file_id", id);
            } else {
                o.putNull("output_file_id");
            }
            if (err.length() > 0) {
                String id = job.id.replace("batch_", "file-err-");
                files.putIfAbsent(id, err.toString().getBytes(StandardCharsets.UTF_8));
                o.put("error_file_id", id);
            } else {
                o.putNull("error_file_id");
            }
            countServed(job);
        }
        return o;
    }

    // ---- Anthropic ------------------------------------------------------------------------------

    private Answer createAnthropic(JsonNode req, String baseUrl, String key) {
        JsonNode requests = req.get("requests");
        if (requests == null || !requests.isArray()) {
            throw new IllegalArgumentException("requests: field required");
        }
        List<String> customIds = new ArrayList<>();
        List<JsonNode> bodies = new ArrayList<>();
        for (JsonNode r : requests) {
            String id = r.path("custom_id").asText("");
            if (!id.matches("[A-Za-z0-9_-]{1,64}")) {
                throw new IllegalArgumentException("custom_id must match ^[a-zA-Z0-9_-]{1,64}$");
            }
            customIds.add(id);
            bodies.add(r.get("params"));
        }
        Job job = create(WireFormat.ANTHROPIC, null, customIds, bodies, null, key);
        return Answer.json(200, anthropicStatus(job, baseUrl));
    }

    private ObjectNode anthropicStatus(Job job, String baseUrl) {
        Instant now = now();
        boolean ended = job.ended(now);
        ObjectNode o = Dialect.object();
        o.put("id", job.id).put("type", "message_batch").put("processing_status", ended ? "ended" : "in_progress");
        int succeeded = 0;
        int errored = 0;
        int expired = 0;
        for (Item i : job.items) {
            if (!ended) {
                continue;
            }
            if (!finished(job, i, now)) {
                expired++;
            } else if (i.answer() != null) {
                succeeded++;
            } else {
                errored++;
            }
        }
        if (!ended) {
            succeeded = job.done(now, behaviour.batchTurnaround(), behaviour.batchWindow());
        }
        ObjectNode c = o.putObject("request_counts");
        c.put("processing", ended ? 0 : job.items.size() - succeeded).put("succeeded", succeeded).put("errored", errored)
                .put("canceled", 0).put("expired", expired);
        o.put("created_at", job.created.toString()).put("expires_at", job.created.plus(behaviour.batchWindow()).toString());
        if (ended) {
            o.put("ended_at", job.endsAt.toString());
            o.put("results_url", baseUrl + "/v1/messages/batches/" + job.id + "/results");
        } else {
            o.putNull("ended_at");
            o.putNull("results_url");
        }
        return o;
    }

    private String anthropicResults(Job job) {
        Instant now = now();
        StringBuilder sb = new StringBuilder();
        for (Item i : job.items) {
            ObjectNode line = Dialect.object();
            line.put("custom_id", i.customId());
            ObjectNode result = line.putObject("result");
            if (!finished(job, i, now)) {
                result.put("type", "expired");
            } else if (i.answer() != null) {
                result.put("type", "succeeded").set("message", i.answer());
            } else {
                result.put("type", "errored").set("error", i.error());
            }
            sb.append(Dialect.write(line)).append('\n');
        }
        countServed(job);
        return sb.toString();
    }

    // ---- Gemini ---------------------------------------------------------------------------------

    private Answer createGemini(JsonNode req, String model, String key) {
        JsonNode list = req.path("batch").path("input_config").path("requests").path("requests");
        if (!list.isArray()) {
            throw new IllegalArgumentException("batch.input_config.requests.requests: field required (inline requests)");
        }
        List<String> customIds = new ArrayList<>();
        List<JsonNode> bodies = new ArrayList<>();
        for (JsonNode r : list) {
            customIds.add(r.path("metadata").path("key").asText(""));
            bodies.add(r.get("request"));
        }
        Job job = create(WireFormat.GEMINI, model, customIds, bodies, model, key);
        return Answer.json(200, geminiOperation(job));
    }

    private ObjectNode geminiOperation(Job job) {
        Instant now = now();
        boolean ended = job.ended(now);
        ObjectNode o = Dialect.object();
        o.put("name", job.id);
        ObjectNode meta = o.putObject("metadata");
        meta.put("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch")
                .put("model", "models/" + job.model).put("displayName", "fusion-batch")
                .put("createTime", job.created.toString());
        meta.put("state", !ended ? "JOB_STATE_RUNNING" : job.expires ? "JOB_STATE_EXPIRED" : "JOB_STATE_SUCCEEDED");
        int ok = 0;
        int failed = 0;
        for (Item i : job.items) {
            if (ended && finished(job, i, now)) {
                if (i.answer() != null) {
                    ok++;
                } else {
                    failed++;
                }
            }
        }
        if (!ended) {
            ok = job.done(now, behaviour.batchTurnaround(), behaviour.batchWindow());
        }
        meta.putObject("batchStats").put("requestCount", Integer.toString(job.items.size()))
                .put("successfulRequestCount", Integer.toString(ok)).put("failedRequestCount", Integer.toString(failed))
                .put("pendingRequestCount", Integer.toString(ended ? 0 : job.items.size() - ok));
        o.put("done", ended);
        if (ended) {
            ObjectNode resp = o.putObject("response");
            resp.put("@type", "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput");
            ArrayNode lines = resp.putObject("inlinedResponses").putArray("inlinedResponses");
            for (Item i : job.items) {
                if (!finished(job, i, now)) {
                    continue;
                }
                ObjectNode line = lines.addObject();
                if (i.answer() != null) {
                    line.set("response", i.answer());
                } else {
                    line.set("error", i.error().path("error"));
                }
                line.putObject("metadata").put("key", i.customId());
            }
            countServed(job);
        }
        return o;
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static JsonNode json(byte[] body) {
        return read(new String(body, StandardCharsets.UTF_8));
    }

    private static JsonNode read(String s) {
        try {
            JsonNode n = Dialect.JSON.readTree(s.isEmpty() ? "{}" : s);
            if (n == null || !n.isObject()) {
                throw new IllegalArgumentException("the body is not a JSON object");
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("Could not parse JSON (sandbox): " + e.getOriginalMessage());
        }
    }

    private static Answer error(int status, String message, String type) {
        ObjectNode root = Dialect.object();
        ObjectNode e = root.putObject("error");
        e.put("message", message).put("type", type).put("code", status);
        return Answer.json(status, root);
    }

    /** A minimal multipart/form-data reader for the file upload (names to bytes). */
    static final class Multipart {
        static Map<String, byte[]> parse(String contentType, byte[] body) {
            if (contentType == null || !contentType.toLowerCase(java.util.Locale.ROOT).startsWith("multipart/form-data")) {
                throw new IllegalArgumentException("expected multipart/form-data");
            }
            int b = contentType.indexOf("boundary=");
            if (b < 0) {
                throw new IllegalArgumentException("multipart without a boundary");
            }
            String boundary = contentType.substring(b + 9).split(";")[0].trim().replace("\"", "");
            // ISO-8859-1 keeps one char per byte, so offsets map back to the bytes exactly.
            String s = new String(body, StandardCharsets.ISO_8859_1);
            String delim = "--" + boundary;
            Map<String, byte[]> out = new LinkedHashMap<>();
            int pos = s.indexOf(delim);
            while (pos >= 0) {
                int start = pos + delim.length();
                if (s.startsWith("--", start)) {
                    break;
                }
                int headersEnd = s.indexOf("\r\n\r\n", start);
                int next = s.indexOf("\r\n" + delim, start);
                if (headersEnd < 0 || next < 0 || headersEnd > next) {
                    break;
                }
                String headers = s.substring(start, headersEnd);
                int n = headers.indexOf("name=\"");
                if (n >= 0) {
                    String name = headers.substring(n + 6, headers.indexOf('"', n + 6));
                    out.put(name, s.substring(headersEnd + 4, next).getBytes(StandardCharsets.ISO_8859_1));
                }
                pos = next + 2;
            }
            return out;
        }
    }
}
