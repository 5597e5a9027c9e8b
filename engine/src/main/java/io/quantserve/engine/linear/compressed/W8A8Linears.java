package io.quantserve.engine.linear.compressed;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/** Builds W8A8 layers from float weights, and the per-token activation quantizer the layers use. */
public final class W8A8Linears {
    private W8A8Linears() {
    }

    /**
     * Symmetric int8 per output channel as compressed-tensors' calculate_qparams does it: scale = max|w| / 127.5
     * (half the int8 range), q = round(w / scale) clamped to [-128, 127]. w: [out, in] row-major, no bias.
     */
    public static W8A8Linear quantize(float[] w, int out, int in) {
        if (w.length != (long) out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "x" + in);
        }
        MemorySegment q = Arena.ofAuto().allocate((long) out * in, 64);
        float[] scales = new float[out];
        for (int r = 0; r < out; r++) {
            float max = 0;
            for (int k = 0; k < in; k++) {
                max = Math.max(max, Math.abs(w[r * in + k]));
            }
            float scale = Math.max(max / 127.5f, Math.ulp(1f)); // torch.finfo(float32).eps floor
            scales[r] = scale;
            for (int k = 0; k < in; k++) {
                float v = (float) Math.rint(w[r * in + k] / scale);
                q.set(ValueLayout.JAVA_BYTE, (long) r * in + k, (byte) Math.clamp(v, -128f, 127f));
            }
        }
        return new W8A8Linear(in, out, q, scales, null);
    }

    /**
     * Dynamic symmetric per-token int8 quantization, as vLLM's reference does it: scale = max|x| / 127,
     * q = round-half-even(x * (127 / max|x|)) clamped to [-128, 127]. Writes n values to q[qOff..] and returns the
     * scale (0 for an all-zero token, whose q are all 0).
     */
    public static float quantizeActivations(float[] x, int xOff, int n, short[] q, int qOff) {
        float max = 0;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, Math.abs(x[xOff + k]));
        }
        if (max == 0) {
            Arrays.fill(q, qOff, qOff + n, (short) 0);
            return 0;
        }
        float inv = 127f / max;
        for (int k = 0; k < n; k++) {
            q[qOff + k] = (short) Math.clamp(Math.rint(x[xOff + k] * inv), -128, 127);
        }
        return max / 127f;
    }
}
