package dev.fusion.cli;

import dev.fusion.model.ContentPart;
import dev.fusion.model.Effort;
import dev.fusion.structured.StructuredSchema;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The files and values {@code fusion ask} reads besides the prompt: a JSON Schema file ({@code --schema}),
 * image files ({@code --image}, media type from the file's magic bytes) and a reasoning setting
 * ({@code --reasoning}). Every read is bounded and every problem is a {@link CliException} naming the file
 * or value and what to do, before any call. Stateless and thread-safe.
 */
final class AskInputs {

    /** A reasoning setting: an effort, or a token budget (exactly one is set). */
    record ReasoningChoice(Effort effort, Integer tokens) {
    }

    /** A read image: its bytes and the media type its header says. */
    record Image(byte[] bytes, String mediaType) {
    }

    private AskInputs() {
    }

    /** The schema file's text, checked to be a JSON Schema object of bounded size. */
    static String schema(Path file) {
        byte[] bytes = readBounded(file, StructuredSchema.MAX_SCHEMA_CHARS, "--schema");
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        try {
            StructuredSchema.parse(text);
        } catch (RuntimeException e) {
            throw new CliException("--schema " + file + " is not a usable JSON Schema: " + e.getMessage()
                    + "; pass a JSON Schema object file, e.g. examples/ticket-schema.json");
        }
        return text;
    }

    /** An image file, its media type from its magic bytes (PNG, JPEG, GIF, WebP). */
    static Image image(Path file) {
        byte[] bytes = readBounded(file, ContentPart.MAX_IMAGE_BYTES, "--image");
        String type = mediaType(bytes);
        if (type == null) {
            throw new CliException("--image " + file + " is not a PNG, JPEG, GIF or WebP image (by its first bytes);"
                    + " convert it to one of those");
        }
        return new Image(bytes, type);
    }

    /** The media type the first bytes announce, or null when they are none of the four formats. */
    static String mediaType(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) {
            return "image/png";
        }
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) {
            return "image/jpeg";
        }
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8' && (b[4] == '7' || b[4] == '9')
                && b[5] == 'a') {
            return "image/gif";
        }
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            return "image/webp";
        }
        return null;
    }

    /** {@code low|medium|high} or a positive token budget. */
    static ReasoningChoice reasoning(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Effort e : Effort.values()) {
            if (e.wireName().equals(v)) {
                return new ReasoningChoice(e, null);
            }
        }
        if (v.matches("[0-9]{1,9}")) {
            int tokens = Integer.parseInt(v);
            if (tokens > 0) {
                return new ReasoningChoice(null, tokens);
            }
        }
        throw new CliException("--reasoning '" + FusionCli.oneLine(value == null ? "" : value)
                + "' is invalid; use low, medium, high or a positive number of thinking tokens (e.g. 2048)");
    }

    static byte[] readBounded(Path file, int max, String flag) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new CliException(flag + " " + file + " is larger than " + max + " bytes; use a smaller file");
            }
            if (bytes.length == 0) {
                throw new CliException(flag + " " + file + " is empty");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new CliException(flag + " " + file + ": no such file");
        } catch (IOException e) {
            throw new CliException(flag + " " + file + " cannot be read: " + e.getMessage());
        }
    }
}
