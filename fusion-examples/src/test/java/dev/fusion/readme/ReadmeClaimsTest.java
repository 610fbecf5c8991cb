package dev.fusion.readme;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Figures the README states agree with where they were measured; the SLF4J warning is explained. */
class ReadmeClaimsTest {

    @Test
    void theReadmeStatesOneCascadeSavingTheMeasuredOne() throws Exception {
        String readme = ReadmeQuickStartTest.docs(); // README.md and docs/
        String results = Files.readString(ReadmeQuickStartTest.readme().getParent().resolve("fusion-benchmarks/RESULTS.md"));
        Matcher measured = Pattern.compile("cascade / always-judge = ([0-9.]+)").matcher(results);
        assertThat(measured.find()).isTrue();
        String expected = new BigDecimal(measured.group(1)).setScale(2, RoundingMode.HALF_UP).toPlainString() + "x";

        // Every "0.NNx ... always-judg..." figure in the README is the measured one.
        Matcher stated = Pattern.compile("(0\\.\\d\\d)x\\**\\s+(?:what\\s+)?always-judg").matcher(readme);
        List<String> figures = new ArrayList<>();
        while (stated.find()) {
            figures.add(stated.group(1) + "x");
        }
        assertThat(figures).isNotEmpty().containsOnly(expected);
        assertThat(readme).contains("RESULTS.md");
    }

    @Test
    void theReadmeExplainsTheSlf4jWarningAndWhichBindingToAdd() throws Exception {
        String readme = ReadmeQuickStartTest.docs(); // README.md and docs/
        assertThat(readme).contains("No SLF4J providers", "slf4j-simple", "logback-classic");
    }
}
