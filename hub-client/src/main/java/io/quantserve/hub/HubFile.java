package io.quantserve.hub;

/**
 * One file of a Hub repository ("sibling").
 *
 * @param size      bytes, or -1 when the Hub did not say
 * @param lfsSha256 the LFS object's SHA-256 (hex), or null for a plain git file
 */
public record HubFile(String path, long size, String lfsSha256) {
}
