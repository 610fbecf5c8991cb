package dev.fusion.providers.batch;

import dev.fusion.model.ChatModel;
import dev.fusion.model.ModelRequest;
import dev.fusion.providers.BundledPrices;
import dev.fusion.providers.Providers;
import dev.fusion.providers.batch.BatchClient;
import dev.fusion.providers.batch.BatchItem;
import dev.fusion.providers.batch.BatchOptions;
import dev.fusion.providers.batch.BatchResults;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

public class BatchExample {
    public static void main(String[] args) throws InterruptedException {
        ChatModel model = Providers.fromEnv().model("openai:gpt-5-mini");

        Map<String, ModelRequest> requests = new LinkedHashMap<>();
        requests.put("q1", ModelRequest.builder().user("What is the capital of France?").build());
        requests.put("q2", ModelRequest.builder().user("What is the capital of Japan?").build());

        BatchClient client = BatchClient.of(model, BatchOptions.defaults(BundledPrices.load())
                .withProgress(p -> System.err.println(p.bar(30))));

        // Submits, writes the batch id to the state file, polls, reads the results, deletes the file.
        // Run it again after a crash: it resumes the batch recorded in the file instead of resubmitting.
        BatchResults results = client.run(requests, Path.of("capitals.batch.json"));

        for (BatchItem item : results.items().values()) {
            if (item.succeeded()) {
                System.out.println(item.customId() + ": " + item.response().text() + " (" + item.cost() + ")");
            } else {
                System.out.println(item.customId() + ": " + item.status() + " - " + item.error());
            }
        }
        System.out.println("total at batch prices: " + results.totalUsd().map(Object::toString).orElse("unknown"));
    }
}
