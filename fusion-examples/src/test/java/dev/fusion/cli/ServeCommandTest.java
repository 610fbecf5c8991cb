package dev.fusion.cli;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code fusion serve} as a process: one line when listening; SIGTERM lets the stream in flight finish, then exits. */
class ServeCommandTest {

    static final Pattern LISTENING = Pattern.compile(
            "fusion serve: listening on http://127\\.0\\.0\\.1:(\\d+)/v1 serving fusion/default \\(no keys, loopback only; sandbox\\) in (\\d+) ms");

    @Test
    void servesUntilSigtermAndDrainsTheStreamInFlight() throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.fusion.cli.FusionCli",
                "serve", "--sandbox", "--port", "0");
        pb.environment().put("FUSION_LOCAL_PROBE", "off");
        pb.environment().put("FUSION_SANDBOX_LATENCY_SCALE", "0.5");
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            Matcher m = LISTENING.matcher(first == null ? "" : first);
            assertThat(m.matches()).as(first).isTrue();
            System.out.println("fusion serve started in " + m.group(2) + " ms (JVM start to listening)");
            int port = Integer.parseInt(m.group(1));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(60_000);
                byte[] body = "{\"model\":\"fusion/default\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Why is the sky blue?\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
                OutputStream o = s.getOutputStream();
                o.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                o.write(body);
                o.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith(": member ") && line.endsWith(" started")) {
                        break; // the ask is in flight
                    }
                }
                // SIGTERM (Process.destroy() would also close our end of its stdout)
                assertThat(new ProcessBuilder("kill", "-TERM", String.valueOf(p.pid())).start().waitFor()).isZero();
                List<String> rest = new ArrayList<>();
                for (String line; (line = in.readLine()) != null; ) {
                    rest.add(line);
                    if (line.equals("data: [DONE]")) {
                        break;
                    }
                }
                assertThat(rest).anyMatch(l -> l.startsWith(": judge ") && l.contains("answered"));
                assertThat(rest).contains("data: [DONE]");
                assertThat(rest).noneMatch(l -> l.contains("\"error\""));
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out.readLine()).isEqualTo("fusion serve: stopped");
        } finally {
            p.destroyForcibly();
        }
    }

    /** {@code sandbox: true} in the served file starts the sandbox, as {@code fusion ask --config} does. */
    @Test
    void aConfigWithSandboxTrueServesTheSandboxModelsItNames(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path config = dir.resolve("fusion.yaml");
        java.nio.file.Files.writeString(config, """
                sandbox: true
                panel: [sandbox-openai:sandbox-swift, sandbox-anthropic:sandbox-scholar]
                judge: sandbox-openai:sandbox-swift
                """);
        String javaBin = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.fusion.cli.FusionCli",
                "serve", "--config", config.toString(), "--port", "0");
        pb.environment().put("FUSION_LOCAL_PROBE", "off");
        pb.environment().put("FUSION_SANDBOX_LATENCY_SCALE", "0");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("the listening line").isNotNull()
                    .startsWith("fusion serve: listening on http://127.0.0.1:").contains("serving fusion/default")
                    .contains("sandbox: true in " + config);
            int port = Integer.parseInt(first.replaceAll(".*http://127\\.0\\.0\\.1:(\\d+)/v1.*", "$1"));
            java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"fusion/default\",\"messages\":[{\"role\":\"user\",\"content\":\"What is DNS?\"}]}"))
                            .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"usage\"");
            assertThat(r.headers().firstValue("x-fusion-cost-complete")).hasValue("true");
        } finally {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
            p.destroyForcibly();
        }
    }
}
