package dev.fusion.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A Lua script of this package, with its SHA-1 for EVALSHA. Immutable. */
public enum Script {
    SPEND("spend.lua"), ADMIT("admit.lua"), PERMITS("permits.lua");

    private final String body;
    private final String sha;

    Script(String file) {
        try (InputStream in = Script.class.getResourceAsStream(file)) {
            if (in == null) {
                throw new IllegalStateException("missing script " + file);
            }
            body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot load script " + file, e);
        }
    }

    public String body() {
        return body;
    }

    public String sha() {
        return sha;
    }
}
