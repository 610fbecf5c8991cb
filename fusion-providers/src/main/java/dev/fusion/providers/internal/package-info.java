/**
 * Not API: the HTTP machinery shared by the provider models (the OkHttp client and its executors,
 * request/response mapping, streaming decoders, error classification, the key holder). Any type here
 * may change or disappear in any release, even where it is {@code public} for the sibling packages.
 */
package dev.fusion.providers.internal;
