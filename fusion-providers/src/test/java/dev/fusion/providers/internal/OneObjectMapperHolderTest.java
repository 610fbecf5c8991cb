package dev.fusion.providers.internal;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * fusion-providers configures its Jackson mappers in {@link ObjectMappers} only: a mapper built anywhere else
 * would drift from the documented read limits and features. The configuration reader's two binding
 * mappers are the one documented exception (see the holder's comment).
 */
class OneObjectMapperHolderTest {

    private static final Pattern BUILDS_A_MAPPER = Pattern.compile(
            "new\\s+(ObjectMapper|JsonMapper)\\s*\\(|JsonMapper\\s*\\.\\s*builder\\s*\\(|\\.copy\\(\\)\\s*\\.\\s*(enable|disable|configure|registerModule)");

    @Test
    void mappersAreBuiltOnlyInTheHolder() throws IOException {
        Path sources = Path.of("src/main/java");
        assertThat(sources).isDirectory();
        List<String> offenders;
        try (Stream<Path> files = Files.walk(sources)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getFileName().toString().equals("ObjectMappers.java"))
                    .filter(p -> !p.endsWith(Path.of("dev/fusion/providers/config/SpecReader.java")))
                    .filter(p -> BUILDS_A_MAPPER.matcher(read(p)).find())
                    .map(Path::toString)
                    .toList();
        }
        assertThat(offenders).as("classes that build their own ObjectMapper").isEmpty();
        assertThat(BUILDS_A_MAPPER.matcher(read(sources.resolve("dev/fusion/providers/internal/ObjectMappers.java"))).find())
                .as("the holder itself is found by the same pattern").isTrue();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
