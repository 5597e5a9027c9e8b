package io.quantserve.engine.quant.algo;

/**
 * The outcome of AWQ's scale search.
 *
 * @param scales  [in] per input channel; fold with {@link ChannelScaling} (weights × s, producer ÷ s)
 * @param ratio   the grid ratio that won (i / 20), or NaN where no grid point beat plain RTN (scales all 1)
 * @param loss    the objective at {@code scales}
 * @param rtnLoss the objective of plain AWQ RTN (s = 1)
 */
public record AwqScales(float[] scales, double ratio, double loss, double rtnLoss) {
}
