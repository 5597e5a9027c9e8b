package io.quantserve.engine.quant;

import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/** How far a quantized layer's outputs are from the float layer's on the same inputs. */
final class OutputError {
    private OutputError() {
    }

    /** ‖W X − Ŵ X‖ / ‖W X‖ over the rows of x [n, in] (Frobenius norms). */
    static double relative(float[] w, float[] wHat, int out, int in, float[] x, int n) {
        return relative(w, out, in, (xs, y, tokens) -> matmul(wHat, out, in, xs, y, tokens), x, n);
    }

    /** The same for a quantized layer that computes its outputs itself (activations quantized too, e.g. W8A8). */
    static double relative(float[] w, int out, int in, io.quantserve.engine.linear.Linear quantized, float[] x, int n) {
        return relative(w, out, in, quantized::apply, x, n);
    }

    private interface Apply {
        void apply(float[] x, float[] y, int tokens);
    }

    private static double relative(float[] w, int out, int in, Apply quantized, float[] x, int n) {
        if (n == 0) {
            return 0;
        }
        float[] a = new float[n * out];
        float[] b = new float[n * out];
        matmul(w, out, in, x, a, n);
        quantized.apply(x, b, n);
        double diff = 0;
        double ref = 0;
        for (int i = 0; i < a.length; i++) {
            diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
            ref += (double) a[i] * a[i];
        }
        return ref == 0 ? 0 : Math.sqrt(diff / ref);
    }

    private static void matmul(float[] w, int out, int in, float[] x, float[] y, int n) {
        VectorOps.get().matmul(new WeightMatrix(MemorySegment.ofArray(w), DType.F32, out, in), x, y, n);
    }
}
