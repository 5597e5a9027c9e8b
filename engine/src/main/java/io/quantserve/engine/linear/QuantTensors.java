package io.quantserve.engine.linear;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Reading the int32 and fp16 tensors of packed checkpoints (AWQ, GPTQ), with errors naming the layer and field. */
final class QuantTensors {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private QuantTensors() {
    }

    /** {@code prefix.field}, which must be I32 of exactly {@code shape}. */
    static Tensor ints(TensorSource source, String prefix, String field, long... shape) {
        Tensor t = source.tensor(prefix + "." + field);
        if (t.dtype() != DType.I32) {
            throw new IllegalArgumentException(prefix + ": " + field + " must be I32, is " + t.dtype());
        }
        return shaped(t, prefix, field, shape);
    }

    /** {@code prefix.field} as floats (F16, BF16 or F32) of exactly {@code shape}. */
    static float[] floats(TensorSource source, String prefix, String field, long... shape) {
        Tensor t = source.tensor(prefix + "." + field);
        if (t.dtype() != DType.F16 && t.dtype() != DType.BF16 && t.dtype() != DType.F32) {
            throw new IllegalArgumentException(prefix + ": " + field + " must be F16, BF16 or F32, is " + t.dtype());
        }
        return shaped(t, prefix, field, shape).toFloatArray();
    }

    static float[] bias(TensorSource source, String prefix, int out) {
        return source.find(prefix + ".bias").map(b -> shaped(b, prefix, "bias", out).toFloatArray()).orElse(null);
    }

    static int at(Tensor t, long index) {
        return t.data().getAtIndex(I32, index);
    }

    private static Tensor shaped(Tensor t, String prefix, String field, long... shape) {
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(prefix + ": " + field + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        return t;
    }

    /** Input channels per group: {@code groupSize}, or all of them for -1; it must divide in_features. */
    static int groupWidth(String prefix, int groupSize, int in) {
        int g = groupSize == -1 ? in : groupSize;
        if (in % g != 0) {
            throw new IllegalArgumentException(prefix + ": group_size " + groupSize + " does not divide in_features " + in);
        }
        return g;
    }

    /** Fails unless {@code n} values of {@code bits} bits fill whole int32 words. */
    static void requireWhole(String prefix, String dimension, int n, int bits, String field) {
        int perInt = 32 / bits;
        if (n % perInt != 0) {
            throw new IllegalArgumentException(prefix + ": " + dimension + " " + n + " is not a multiple of " + perInt
                    + " (" + bits + "-bit values per int32 of " + field + ")");
        }
    }
}
