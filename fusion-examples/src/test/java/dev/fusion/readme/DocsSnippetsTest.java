package dev.fusion.readme;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every code block in README.md and docs/ that is marked {@code <!-- snippet: path -->} is that file of the
 * repository, byte for byte: the file is compiled (and run) by a module's tests or a consumer project, so a
 * snippet cannot drift from code that works. Also: no page names an issue number, and every relative link
 * between pages resolves.
 */
class DocsSnippetsTest {

    private static final Pattern SNIPPET = Pattern.compile("<!-- snippet: ([^ ]+) -->\\n(?:<!--[^\\n]*-->\\n)*```(\\w+)\\n");
    private static final Pattern LINK = Pattern.compile("\\]\\(((?!https?:|#|mailto:)[^)#\\s]+)(?:#[^)]*)?\\)");

    static List<Path> pages(Path root) throws java.io.IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(root.resolve("README.md"));
        try (Stream<Path> docs = Files.walk(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    @Test
    void everyMarkedSnippetIsTheFileItNames() throws Exception {
        Path root = ReadmeQuickStartTest.readme().getParent();
        int checked = 0;
        for (Path page : pages(root)) {
            String text = Files.readString(page);
            Matcher m = SNIPPET.matcher(text);
            while (m.find()) {
                Path file = root.resolve(m.group(1));
                assertThat(file).as(page + " names " + m.group(1)).exists();
                int close = text.indexOf("\n```", m.end() - 1);
                String block = text.substring(m.end(), close + 1);
                assertThat(block).as(root.relativize(page) + ": the snippet of " + m.group(1)).isEqualTo(Files.readString(file));
                checked++;
            }
        }
        assertThat(checked).as("marked snippets").isGreaterThanOrEqualTo(8);
    }

    @Test
    void noPageNamesAnIssueNumberAndEveryRelativeLinkResolves() throws Exception {
        Path root = ReadmeQuickStartTest.readme().getParent();
        for (Path page : pages(root)) {
            String text = Files.readString(page);
            assertThat(text).as(root.relativize(page).toString()).doesNotContainPattern("(?i)\\bissues? #?\\d+");
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                Path target = page.getParent().resolve(m.group(1)).normalize();
                // pages other sessions write may land later; everything else must exist now
                if (!List.of("server.md", "tools.md", "testing.md").contains(target.getFileName().toString())) {
                    assertThat(target).as(root.relativize(page) + " links " + m.group(1)).exists();
                }
            }
        }
    }
}
