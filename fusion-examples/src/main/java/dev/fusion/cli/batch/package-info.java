/**
 * The CLI's use of provider batch APIs ({@code fusion eval --batch}, {@code fusion tune --batch}): calls grouped
 * per model into one batch each, resumable state files, a progress bar on stderr, and a replaying model that
 * lets an unchanged fusion run on answers a batch already produced.
 */
package dev.fusion.cli.batch;
