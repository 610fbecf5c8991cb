/**
 * The offline sandbox for library code: {@link dev.fusion.sandbox.providers.SandboxProviders} starts
 * it and hands back ready providers and prices, so a first program runs with no API keys.
 */
package dev.fusion.sandbox.providers;
