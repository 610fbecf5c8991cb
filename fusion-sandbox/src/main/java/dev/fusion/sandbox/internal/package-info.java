/**
 * Not API: the sandbox server's internals (the Netty server core, one dialect per wire format, the
 * personas' knowledge base and text helpers). Any type here may change or disappear in any release,
 * even where it is {@code public} for the sibling package.
 */
package dev.fusion.sandbox.internal;
