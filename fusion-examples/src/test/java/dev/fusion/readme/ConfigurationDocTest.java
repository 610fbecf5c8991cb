package dev.fusion.readme;

import dev.fusion.providers.config.FusionSpec;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md's reference table lists exactly the configuration keys, in the order of
 * {@link FusionSpec}'s components (the keys the reader accepts), and names every strategy.
 */
class ConfigurationDocTest {

    @Test
    void theReferenceTableIsTheSpecsKeysInOrder() throws Exception {
        String doc = Files.readString(ReadmeQuickStartTest.readme().getParent().resolve("docs/configuration.md"));
        int table = doc.indexOf("| key | value | default |");
        assertThat(table).as("the reference table").isNotNegative();
        Matcher row = Pattern.compile("(?m)^\\| `([A-Za-z]+)` \\|").matcher(doc.substring(table));
        List<String> keys = new ArrayList<>();
        while (row.find()) {
            keys.add(row.group(1));
        }
        assertThat(keys).containsExactlyElementsOf(FusionSpec.KEYS);
        for (String strategy : FusionSpec.STRATEGIES) {
            assertThat(doc).contains("`" + strategy + "`");
        }
    }
}
