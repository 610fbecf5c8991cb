package dev.fusion.cli;

import dev.fusion.sandbox.Sandbox;
import dev.fusion.sandbox.WireFormat;

import java.util.ArrayList;
import java.util.List;

/**
 * Recognizes the sandbox model names the CLI prints ({@code sandbox-openai:sandbox-swift}) in
 * {@code --panel} and {@code --judge}, so they work without {@code --sandbox}. Stateless.
 */
final class SandboxNames {

    private SandboxNames() {
    }

    /** Whether {@code ref} names a model under one of the sandbox provider names. */
    static boolean isSandbox(String ref) {
        int c = ref.indexOf(':');
        if (c <= 0) {
            return false;
        }
        String provider = ref.substring(0, c).trim();
        for (WireFormat f : WireFormat.values()) {
            if (Sandbox.providerName(f).equals(provider)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> named(CommonOptions o) {
        List<String> refs = new ArrayList<>();
        if (o.panel != null) {
            refs.addAll(o.panel);
        }
        if (o.judge != null) {
            refs.addAll(o.judge);
        }
        return refs;
    }

    /** Some model named with --panel/--judge is a sandbox model. */
    static boolean any(CommonOptions o) {
        return o.config == null && named(o).stream().anyMatch(SandboxNames::isSandbox);
    }

    /** Every model named with --panel/--judge is a sandbox model (and some are named). */
    static boolean onlySandbox(CommonOptions o) {
        List<String> refs = named(o);
        return o.config == null && !refs.isEmpty() && refs.stream().allMatch(SandboxNames::isSandbox);
    }
}
