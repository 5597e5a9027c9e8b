package io.quantserve.engine.format.gguf;

/**
 * The k-quant reference quantizers of ggml-quants.c ({@code quantize_row_q4_K_ref}, {@code quantize_row_q6_K_ref})
 * for one 256-element super-block, with their helpers {@code make_qkx2_quants} and {@code make_qx_quants}, written
 * as the C does them step by step (float arithmetic in the same order) so the blocks come out as llama.cpp's.
 * Layouts as {@link GgmlDequantizer} reads them.
 */
final class KQuants {
    static final int QK_K = 256;
    /** ggml-quants.c's GROUP_MAX_EPS: a group whose largest magnitude is below this is all zero. */
    private static final float GROUP_MAX_EPS = 1e-15f;

    private KQuants() {
    }

    /** ggml's nearest_int: float rounded half to even (its 1.5·2^23 trick), for |v| ≤ 2^22. */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * Q4_K (144 bytes): f16 d, f16 dmin, 12 bytes of eight 6-bit scales and mins, 128 bytes of 4-bit codes. Each
     * sub-block of 32 gets a scale and a min from make_qkx2_quants (weights av_x + |x|, rmin -1, rdelta 0.1, 20 steps,
     * squared error); those are quantized to 6 bits against the largest of each, and the codes redone with them.
     */
    static void q4K(float[] x, int s, byte[] y, int d) {
        int[] levels = new int[QK_K];
        int[] aux = new int[32];
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; j++) {
            int o = s + 32 * j;
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) {
                sumX2 += x[o + l] * x[o + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) {
                weights[l] = avX + Math.abs(x[o + l]);
            }
            float[] minOut = new float[1];
            scales[j] = makeQkx2Quants(32, 15, x, o, weights, levels, 32 * j, minOut, aux, -1f, 0.1f, 20, false);
            mins[j] = minOut[0];
            maxScale = Math.max(maxScale, scales[j]);
            maxMin = Math.max(maxMin, mins[j]);
        }
        float invScale = maxScale > 0 ? 63f / maxScale : 0f;
        float invMin = maxMin > 0 ? 63f / maxMin : 0f;
        int sc = d + 4;
        for (int j = 0; j < 8; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                y[sc + j] = (byte) ls;
                y[sc + j + 4] = (byte) lm;
            } else {
                y[sc + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                y[sc + j - 4] |= (byte) ((ls >> 4) << 6);
                y[sc + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        short dh = Float.floatToFloat16(maxScale / 63f);
        short mh = Float.floatToFloat16(maxMin / 63f);
        putShort(y, d, dh);
        putShort(y, d + 2, mh);
        float dd = Float.float16ToFloat(dh);
        float dm = Float.float16ToFloat(mh);
        for (int j = 0; j < 8; j++) {
            int[] sm = scaleMinK4(y, sc, j);
            float dl = dd * sm[0];
            if (dl == 0) {
                continue; // keeps make_qkx2_quants' codes, as the C does
            }
            float ml = dm * sm[1];
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[s + 32 * j + ii] + ml) / dl);
                levels[32 * j + ii] = Math.clamp(l, 0, 15);
            }
        }
        int q = d + 16;
        for (int j = 0; j < QK_K; j += 64, q += 32) {
            for (int l = 0; l < 32; l++) {
                y[q + l] = (byte) (levels[j + l] | (levels[j + l + 32] << 4));
            }
        }
    }

    /** get_scale_min_k4 over the 12 scale bytes at y[at ..]: {scale, min} of sub-block j. */
    private static int[] scaleMinK4(byte[] y, int at, int j) {
        if (j < 4) {
            return new int[] {y[at + j] & 63, y[at + j + 4] & 63};
        }
        int sc = (y[at + j + 4] & 0xF) | (((y[at + j - 4] & 0xFF) >> 6) << 4);
        int m = ((y[at + j + 4] & 0xFF) >> 4) | (((y[at + j] & 0xFF) >> 6) << 4);
        return new int[] {sc, m};
    }

    /**
     * make_qkx2_quants: codes 0..nmax for x[o .. o+n) with a scale and a min ≤ 0 chosen by a weighted least-squares
     * search over nstep + 1 trial scales; returns the scale, the negated min in {@code theMin[0]}, codes in
     * {@code levels[lo ..]}.
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int o, float[] weights, int[] levels, int lo,
            float[] theMin, int[] aux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[o];
        float max = x[o];
        float sumW = weights[0];
        float sumX = sumW * x[o];
        for (int i = 1; i < n; i++) {
            if (x[o + i] < min) {
                min = x[o + i];
            }
            if (x[o + i] > max) {
                max = x[o + i];
            }
            float w = weights[i];
            sumW += w;
            sumX += w * x[o + i];
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[o + i] - min));
            levels[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * levels[lo + i] + min - x[o + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(0, Math.min(nmax, nearestInt(iscale * (x[o + i] - min))));
                aux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[o + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[o + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(aux, 0, levels, lo, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /**
     * Q6_K (210 bytes): ql[128] low nibbles, qh[64] high 2-bit pairs, int8 scales[16], f16 d. Each 16 elements get a
     * signed scale from make_qx_quants (nmax 32, rmse_type 1); the scales are quantized to int8 against the one of
     * largest magnitude, and the codes redone with them.
     */
    static void q6K(float[] x, int s, byte[] y, int d) {
        int[] levels = new int[QK_K];
        float[] scales = new float[16];
        float maxScale = 0;
        float maxAbsScale = 0;
        for (int ib = 0; ib < 16; ib++) {
            float scale = makeQxQuants(16, 32, x, s + 16 * ib, levels, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            java.util.Arrays.fill(y, d, d + 210, (byte) 0);
            return;
        }
        float iscale = -128f / maxScale;
        short dh = Float.floatToFloat16(1 / iscale);
        putShort(y, d + 208, dh);
        int sc = d + 192;
        for (int ib = 0; ib < 16; ib++) {
            y[sc + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        }
        float dd = Float.float16ToFloat(dh);
        for (int j = 0; j < 16; j++) {
            float dl = dd * y[sc + j];
            if (dl == 0) {
                continue;
            }
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[s + 16 * j + ii] / dl);
                levels[16 * j + ii] = Math.clamp(l, -32, 31) + 32;
            }
        }
        int ql = d;
        int qh = d + 128;
        for (int j = 0; j < QK_K; j += 128, ql += 64, qh += 32) {
            for (int l = 0; l < 32; l++) {
                int q1 = levels[j + l] & 0xF;
                int q2 = levels[j + l + 32] & 0xF;
                int q3 = levels[j + l + 64] & 0xF;
                int q4 = levels[j + l + 96] & 0xF;
                y[ql + l] = (byte) (q1 | (q3 << 4));
                y[ql + l + 32] = (byte) (q2 | (q4 << 4));
                y[qh + l] = (byte) ((levels[j + l] >> 4) | ((levels[j + l + 32] >> 4) << 2)
                        | ((levels[j + l + 64] >> 4) << 4) | ((levels[j + l + 96] >> 4) << 6));
            }
        }
    }

    /**
     * make_qx_quants with rmse_type 1 and no importance weights (weights x²): codes l + nmax for l in [-nmax, nmax),
     * the scale refined by least squares over 19 trial scales; returns the signed scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int o, int[] levels, int lo) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[o + i]);
            if (ax > amax) {
                amax = ax;
                max = x[o + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) {
                levels[lo + i] = 0;
            }
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; i++) {
            int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[o + i])));
            levels[lo + i] = l + nmax;
            float w = x[o + i] * x[o + i];
            sumlx += w * x[o + i] * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                int l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(iscale * x[o + i])));
                float w = x[o + i] * x[o + i];
                sumlx += w * x[o + i] * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[o + i]);
                    levels[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    private static void putShort(byte[] b, int at, short v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
    }
}
