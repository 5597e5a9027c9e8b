package io.quantserve.engine.quant.algo;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;

/** y = x Wᵀ for the searches that score candidates on calibration inputs. */
final class Matmul {

    private Matmul() {
    }

    /** x [n, in], w [out, in] → [n, out]. */
    static float[] xWt(float[] x, int n, float[] w, int out, int in) {
        Shapes.check(x, n, in, "calibration input");
        Shapes.check(w, out, in, "weight");
        float[] y = new float[n * out];
        VectorOps ops = VectorOps.get();
        Parallel.forRange(out, Math.max(1, 65536 / Math.max(1, n * in)), (from, to) -> {
            for (int o = from; o < to; o++) {
                for (int t = 0; t < n; t++) {
                    y[t * out + o] = ops.dot(x, t * in, w, o * in, in);
                }
            }
        });
        return y;
    }
}
