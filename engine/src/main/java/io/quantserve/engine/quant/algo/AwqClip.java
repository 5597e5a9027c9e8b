package io.quantserve.engine.quant.algo;

/**
 * The outcome of AWQ's clip search.
 *
 * @param maxValues      [out, groups] clip bound per group: weights are clamped to [-max, max] before quantizing
 * @param error          Σ over groups of the searched error at the chosen bound (mean over tokens of the squared
 *                       difference of the group's partial output)
 * @param unclippedError the same sum without clipping (shrink 0)
 */
public record AwqClip(float[] maxValues, double error, double unclippedError) {
}
