package io.quantserve.engine.quant.algo;

import java.util.SplittableRandom;

/** Random weights and calibration inputs shaped like a transformer's: heavy tails, correlated channels. */
final class Data {

    private Data() {
    }

    /** Student-t-like values: a gaussian over the root of a scaled chi-square with 4 degrees of freedom. */
    static float[] heavyTailed(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            double chi = 0;
            for (int k = 0; k < 4; k++) {
                double g = gaussian(r);
                chi += g * g;
            }
            a[i] = (float) (gaussian(r) / Math.sqrt(chi / 4));
        }
        return a;
    }

    static float[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) gaussian(r);
        }
        return a;
    }

    /** X = Z · A [n, in]: heavy-tailed latent Z [n, in] through a random mixing matrix A [in, in]. */
    static float[] correlated(int n, int in, long seed) {
        float[] z = heavyTailed(n * in, seed);
        float[] a = gaussian(in * in, seed + 1);
        float[] x = new float[n * in];
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < in; k++) {
                float zv = z[t * in + k];
                for (int j = 0; j < in; j++) {
                    x[t * in + j] += zv * a[k * in + j];
                }
            }
        }
        for (int i = 0; i < x.length; i++) {
            x[i] /= (float) Math.sqrt(in);
        }
        return x;
    }

    /** ‖x Wᵀ - x Ŵᵀ‖² (the output error quantization causes). */
    static double outputError(float[] w, float[] wHat, int out, int in, float[] x, int n) {
        float[] d = new float[w.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = w[i] - wHat[i];
        }
        float[] y = Matmul.xWt(x, n, d, out, in);
        double s = 0;
        for (float v : y) {
            s += (double) v * v;
        }
        return s;
    }

    static double squaredDistance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }
}
