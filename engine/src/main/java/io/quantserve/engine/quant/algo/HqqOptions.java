package io.quantserve.engine.quant.algo;

/**
 * hqq's {@code opt_params} and zero handling.
 *
 * @param lpNorm           p of the sparsity-promoting ‖W - Ŵ‖_p^p (default 0.7)
 * @param beta             initial half-quadratic penalty (default 10)
 * @param kappa            growth of beta per iteration (default 1.01)
 * @param iterations       at most this many (default 20); stops early once the mean |W - Ŵ| stops falling
 * @param roundInitialZero hqq's own {@code round_zero}: round the min/max zero before optimising it (default false)
 * @param roundZero        round the optimised zeros to whole numbers and re-derive the codes, so the result fits
 *                         AWQ/GPTQ formats; hqq has no such step (its zeros stay fractional), so this is ours. With
 *                         the scale fixed, hqq's gain is a sub-step shift of the grid, so rounding gives most of it
 *                         back (measured ≈ RTN at 4-bit g64)
 */
public record HqqOptions(float lpNorm, float beta, float kappa, int iterations, boolean roundInitialZero,
        boolean roundZero) {

    public HqqOptions {
        if (!(lpNorm > 0 && lpNorm <= 1) || !(beta > 0) || !(kappa >= 1) || iterations < 0) {
            throw new IllegalArgumentException("hqq: bad options " + lpNorm + ", " + beta + ", " + kappa + ", "
                    + iterations);
        }
    }

    public static HqqOptions defaults() {
        return new HqqOptions(0.7f, 10f, 1.01f, 20, false, false);
    }

    public HqqOptions withRoundZero(boolean round) {
        return new HqqOptions(lpNorm, beta, kappa, iterations, roundInitialZero, round);
    }
}
