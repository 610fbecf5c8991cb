package dev.fusion.model;

import dev.fusion.InvalidConfigurationException;

import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One piece of a message's content: text, an image given by its bytes, an image given by URL, a
 * {@link ToolCall} (in an assistant message: the model asked for a tool) or a {@link ToolResult} (in a
 * user message: the tool's answer). Immutable and thread-safe (image bytes are copied in and out).
 *
 * <p>Images are checked when built: the media type must be one of {@link #IMAGE_MEDIA_TYPES}
 * (the types OpenAI and Anthropic both document; Gemini does not list GIF and rejects it before
 * any call), the bytes at most {@link #MAX_IMAGE_BYTES}, and a URL absolute {@code http(s)}.
 */
public sealed interface ContentPart permits ContentPart.Text, ContentPart.Image, ContentPart.ImageUrl, ToolCall, ToolResult {

    /**
     * The largest image accepted, in bytes: 5 MiB, Anthropic's documented per-image limit for API
     * requests (the smallest of the three vendors: OpenAI and Gemini allow 20 MB per request).
     */
    int MAX_IMAGE_BYTES = 5 * 1024 * 1024;

    /** The longest image URL accepted, in characters. */
    int MAX_URL_CHARS = 8192;

    /** Media types every wire format documents for images: PNG, JPEG, GIF (not Gemini) and WebP. */
    Set<String> IMAGE_MEDIA_TYPES = Set.of("image/png", "image/jpeg", "image/gif", "image/webp");

    /** A text part. */
    static Text text(String text) {
        return new Text(text);
    }

    /**
     * An image from its bytes.
     *
     * @throws InvalidConfigurationException for an unsupported media type, empty bytes or bytes over {@link #MAX_IMAGE_BYTES}
     */
    static Image image(byte[] bytes, String mediaType) {
        return new Image(bytes, mediaType);
    }

    /**
     * An image the provider fetches from {@code url} (OpenAI and Anthropic; Gemini needs the bytes).
     *
     * @throws InvalidConfigurationException when the URL is not an absolute http(s) URL
     */
    static ImageUrl imageUrl(String url) {
        return new ImageUrl(url);
    }

    /** Whether this part is an image ({@link Image} or {@link ImageUrl}). */
    default boolean isImage() {
        return this instanceof Image || this instanceof ImageUrl;
    }

    /** Text. */
    record Text(String text) implements ContentPart {
        public Text {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String toString() {
            return "Text[" + text.length() + " chars]";
        }
    }

    /**
     * Image bytes with their media type (one of {@link #IMAGE_MEDIA_TYPES}, lower case). The array
     * is copied: changing the caller's array later changes nothing here.
     */
    final class Image implements ContentPart {
        private final byte[] bytes;
        private final String mediaType;

        private Image(byte[] bytes, String mediaType) {
            if (bytes == null || bytes.length == 0) {
                throw new InvalidConfigurationException("an image has no bytes; pass the image file's content");
            }
            if (bytes.length > MAX_IMAGE_BYTES) {
                throw new InvalidConfigurationException("an image is " + bytes.length + " bytes; the limit is "
                        + MAX_IMAGE_BYTES + " bytes (5 MiB, Anthropic's per-image limit): scale or compress it");
            }
            String type = mediaType == null ? "" : mediaType.trim().toLowerCase(Locale.ROOT);
            if (type.equals("image/jpg")) {
                type = "image/jpeg";
            }
            if (!IMAGE_MEDIA_TYPES.contains(type)) {
                throw new InvalidConfigurationException("image media type '" + mediaType + "' is not supported;"
                        + " use one of image/png, image/jpeg, image/gif, image/webp");
            }
            this.bytes = bytes.clone();
            this.mediaType = type;
        }

        /** A copy of the image bytes. */
        public byte[] bytes() {
            return bytes.clone();
        }

        /** The number of bytes, without copying them. */
        public int size() {
            return bytes.length;
        }

        /** The bytes as standard base64 (RFC 4648, with padding). */
        public String base64() {
            return java.util.Base64.getEncoder().encodeToString(bytes);
        }

        /** The image's width and height read from its header, or null when the header cannot be read. */
        public int[] dimensions() {
            return ImageHeader.dimensions(bytes);
        }

        /** The media type, lower case (e.g. {@code image/png}). */
        public String mediaType() {
            return mediaType;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Image other && mediaType.equals(other.mediaType) && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * mediaType.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Image[" + mediaType + ", " + bytes.length + " bytes]";
        }
    }

    /** An image by absolute {@code http}/{@code https} URL. */
    record ImageUrl(String url) implements ContentPart {
        public ImageUrl {
            if (url == null || url.isBlank()) {
                throw new InvalidConfigurationException("an image URL is " + (url == null ? "null" : "blank"));
            }
            url = url.trim();
            if (url.length() > MAX_URL_CHARS) {
                throw new InvalidConfigurationException("an image URL is " + url.length() + " characters; the limit is "
                        + MAX_URL_CHARS + " (pass large images as bytes)");
            }
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigurationException("an image URL is not a valid URI: " + e.getMessage(), e);
            }
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("https") && !scheme.equals("http") || uri.getHost() == null) {
                throw new InvalidConfigurationException("an image URL must be an absolute http(s) URL; for local files"
                        + " pass the bytes with image(bytes, mediaType)");
            }
        }

        @Override
        public String toString() {
            return "ImageUrl[" + url.length() + " chars]";
        }
    }
}
