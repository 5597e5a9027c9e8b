package io.quantserve.engine.gpu;

/** Element type of activations on the device; names the kernel variant ({@code rmsnorm_f16}, {@code rmsnorm_bf16}). */
public enum ActivationType {
    F16("f16"), BF16("bf16");

    private final String suffix;

    ActivationType(String suffix) {
        this.suffix = suffix;
    }

    public String suffix() {
        return suffix;
    }

    public int bytes() {
        return 2;
    }

    /** The 16-bit pattern of v, rounded to nearest even (as the kernels' conversions round). */
    public short fromFloat(float v) {
        return switch (this) {
            case F16 -> Float.floatToFloat16(v);
            case BF16 -> {
                int bits = Float.floatToRawIntBits(v);
                if (Float.isNaN(v)) {
                    yield (short) ((bits >>> 16) | 0x40);
                }
                yield (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
            }
        };
    }

    public float toFloat(short bits) {
        return switch (this) {
            case F16 -> Float.float16ToFloat(bits);
            case BF16 -> Float.intBitsToFloat((bits & 0xffff) << 16);
        };
    }
}
