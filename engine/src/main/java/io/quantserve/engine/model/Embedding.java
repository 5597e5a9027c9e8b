package io.quantserve.engine.model;

import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Token embedding table [vocab, hidden] kept in its stored dtype; rows are widened to float on lookup. */
public final class Embedding {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final WeightMatrix table; // [vocab, hidden]

    public Embedding(WeightMatrix table) {
        this.table = table;
    }

    public WeightMatrix table() {
        return table;
    }

    /** Copies row {@code token} into out[off .. off + hidden). */
    public void lookup(int token, float[] out, int off) {
        if (token < 0 || token >= table.rows()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + table.rows() + ")");
        }
        int hidden = table.cols();
        MemorySegment data = table.data();
        long base = (long) token * hidden;
        switch (table.dtype()) {
            case F32 -> MemorySegment.copy(data, F32, base * 4, out, off, hidden);
            case F16 -> {
                for (int i = 0; i < hidden; i++) {
                    out[off + i] = Float.float16ToFloat(data.get(I16, (base + i) * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < hidden; i++) {
                    out[off + i] = Float.intBitsToFloat((data.get(I16, (base + i) * 2) & 0xFFFF) << 16);
                }
            }
            default -> throw new IllegalStateException("embedding dtype " + table.dtype());
        }
    }
}
