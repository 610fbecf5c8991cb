package dev.fusion.model;

/**
 * Reads an image's pixel width and height from its header without decoding it: PNG ({@code IHDR}),
 * GIF (logical screen descriptor), WebP ({@code VP8 }, {@code VP8L}, {@code VP8X}) and JPEG (the
 * first start-of-frame marker). Reads only within the given array; a truncated or unknown header
 * gives null, never an exception. Stateless and thread-safe.
 */
final class ImageHeader {

    /** JPEG segments skipped before giving up: real files reach their SOF within a few dozen. */
    private static final int MAX_JPEG_SEGMENTS = 4096;

    private ImageHeader() {
    }

    /** {@code {width, height}} in pixels, or null when the header is not one of the four formats or is cut short. */
    static int[] dimensions(byte[] b) {
        if (b == null) {
            return null;
        }
        int[] d;
        if (b.length >= 24 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[12] == 'I' && b[13] == 'H' && b[14] == 'D' && b[15] == 'R') {
            d = new int[]{be32(b, 16), be32(b, 20)};
        } else if (b.length >= 10 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8') {
            d = new int[]{le16(b, 6), le16(b, 8)};
        } else if (b.length >= 30 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
            d = webp(b);
        } else if (b.length >= 4 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8) {
            d = jpeg(b);
        } else {
            d = null;
        }
        return d == null || d[0] <= 0 || d[1] <= 0 ? null : d;
    }

    private static int[] webp(byte[] b) {
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8 ": // lossy: frame tag (3) + start code (3) at 20, then 14-bit width and height
                return new int[]{le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
            case "VP8L": { // lossless: signature 0x2F at 20, then 14 bits width-1, 14 bits height-1
                if ((b[20] & 0xFF) != 0x2F) {
                    return null;
                }
                int bits = (b[21] & 0xFF) | (b[22] & 0xFF) << 8 | (b[23] & 0xFF) << 16 | (b[24] & 0xFF) << 24;
                return new int[]{(bits & 0x3FFF) + 1, ((bits >>> 14) & 0x3FFF) + 1};
            }
            case "VP8X": // extended: 24-bit canvas width-1 at 24, height-1 at 27
                return new int[]{le24(b, 24) + 1, le24(b, 27) + 1};
            default:
                return null;
        }
    }

    private static int[] jpeg(byte[] b) {
        int i = 2;
        for (int segments = 0; segments < MAX_JPEG_SEGMENTS && i + 3 < b.length; segments++) {
            if ((b[i] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                i++;
                continue;
            }
            if (marker == 0x01 || marker >= 0xD0 && marker <= 0xD9) { // standalone markers
                i += 2;
                continue;
            }
            int len = (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
            if (len < 2) {
                return null;
            }
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                if (i + 8 >= b.length) {
                    return null;
                }
                int height = (b[i + 5] & 0xFF) << 8 | (b[i + 6] & 0xFF);
                int width = (b[i + 7] & 0xFF) << 8 | (b[i + 8] & 0xFF);
                return new int[]{width, height};
            }
            i += 2 + len;
        }
        return null;
    }

    private static int be32(byte[] b, int o) {
        long v = (b[o] & 0xFFL) << 24 | (b[o + 1] & 0xFF) << 16 | (b[o + 2] & 0xFF) << 8 | (b[o + 3] & 0xFF);
        return v > Integer.MAX_VALUE ? -1 : (int) v;
    }

    private static int le16(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
    }

    private static int le24(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8 | (b[o + 2] & 0xFF) << 16;
    }
}
