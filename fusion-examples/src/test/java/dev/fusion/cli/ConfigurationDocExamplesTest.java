package dev.fusion.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The YAML examples of docs/configuration.md are configurations that work, not only parse: each one (the
 * later ones completed with the providers and judge of the first) is previewed by the real CLI with its
 * keys set, which checks the budget admits the quorum and every member can take the request, and sends
 * nothing. The example file once ran into its own budget (0.05 admitted one member under a quorum of 2).
 */
class ConfigurationDocExamplesTest {

    private static final Map<String, String> KEYS = Map.of("LOCAL_KEY", "k-local-doc-test", "OPENROUTER_API_KEY",
            "k-router-doc-test", "ANTHROPIC_API_KEY", "k-anthropic-doc-test", "GEMINI_API_KEY", "k-gemini-doc-test",
            "FUSION_LOCAL_PROBE", "off");

    static List<String> yamlBlocks() throws Exception {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !(Files.exists(root.resolve("docs/configuration.md")) && Files.exists(root.resolve("fusion-core")))) {
            root = root.getParent();
        }
        assertThat(root).as("the repository root").isNotNull();
        String doc = Files.readString(root.resolve("docs/configuration.md"));
        Matcher m = Pattern.compile("```yaml\\n(.*?)\\n```", Pattern.DOTALL).matcher(doc);
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group(1) + "\n");
        }
        return out;
    }

    @Test
    void everyExampleIsPreviewedWithoutAProblem(@TempDir Path dir) throws Exception {
        List<String> blocks = yamlBlocks();
        assertThat(blocks).as("yaml examples").hasSizeGreaterThanOrEqualTo(2);
        String first = blocks.get(0);
        String firstProviders = first.substring(first.indexOf("providers:\n") + "providers:\n".length(), first.indexOf("panel:"));
        for (int i = 0; i < blocks.size(); i++) {
            String yaml = blocks.get(i);
            if (i > 0) { // a fragment: the first example's providers and judge around it
                yaml = yaml.contains("providers:\n") ? yaml.replace("providers:\n", "providers:\n" + firstProviders)
                        : "providers:\n" + firstProviders + yaml;
                if (!yaml.contains("\njudge:")) {
                    yaml += "judge: gem:gemini-3-flash\n";
                }
            }
            Path f = dir.resolve("example-" + i + ".yaml");
            Files.writeString(f, yaml);
            CliTest.Run r = CliTest.cli(KEYS, "preview", "--config", f.toString(), "What is the CAP theorem?");
            assertThat(r.code()).as("example %d of docs/configuration.md:%n%s%nstderr: %s", i, yaml, r.err()).isZero();
            assertThat(r.out()).contains("total");
        }
    }
}
