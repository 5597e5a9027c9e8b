package io.quantserve.engine.quant.write;

import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/**
 * One tensor of a quantized checkpoint, ready for {@link SafetensorsWriter}: its dtype, shape and little-endian
 * bytes. What the layer packers return, keyed by the full tensor name.
 */
public record PackedTensor(DType dtype, long[] shape, byte[] bytes) {

    public PackedTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n * dtype.bytes() != bytes.length) {
            throw new IllegalArgumentException(dtype + " " + Arrays.toString(shape) + " needs " + n * dtype.bytes()
                    + " bytes, got " + bytes.length);
        }
    }

    /** Adds every tensor of {@code tensors} to {@code writer} under its name. */
    public static void addAll(SafetensorsWriter writer, Map<String, PackedTensor> tensors) {
        tensors.forEach((name, t) -> writer.add(name, t.dtype(), t.shape(), t.bytes()));
    }

    public static PackedTensor i32(int[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(values);
        return new PackedTensor(DType.I32, shape, b.array());
    }

    public static PackedTensor f32(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new PackedTensor(DType.F32, shape, b.array());
    }

    /**
     * Floats stored as {@code dtype} (F32, F16 or BF16, each rounded to nearest even). The values should already be
     * representable (see {@link #round}) when a reader must see exactly what a quantizer used.
     */
    public static PackedTensor floats(DType dtype, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort((short) (bf16Bits(v) >>> 16));
                default -> throw new IllegalArgumentException("floats cannot be stored as " + dtype);
            }
        }
        return new PackedTensor(dtype, shape, b.array());
    }

    /** {@code v} rounded to {@code dtype} (F32, F16, BF16) and widened back: the value a reader will see. */
    public static float round(float v, DType dtype) {
        return switch (dtype) {
            case F32 -> v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> Float.intBitsToFloat(bf16Bits(v));
            default -> throw new IllegalArgumentException("floats cannot be stored as " + dtype);
        };
    }

    /** The float bits of v rounded to bfloat16 (nearest even; NaN stays NaN), low half zero. */
    private static int bf16Bits(float v) {
        int bits = Float.floatToRawIntBits(v);
        if (Float.isNaN(v)) {
            return (bits | 0x00400000) & 0xFFFF0000;
        }
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
    }
}
