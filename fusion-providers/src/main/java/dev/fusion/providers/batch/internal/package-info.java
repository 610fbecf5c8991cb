/** Implementation of the batch client: one wire per provider batch API. Not public API. */
package dev.fusion.providers.batch.internal;
