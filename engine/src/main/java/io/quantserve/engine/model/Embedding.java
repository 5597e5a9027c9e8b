package io.quantserve.engine.model;

import io.quantserve.engine.linear.PackedLinear;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Token embedding table [vocab, hidden] kept as stored: a float matrix whose rows are widened on lookup, or packed
 * blocks (a quantized GGUF {@code token_embd}) of which one row is dequantized per lookup.
 */
public final class Embedding {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final WeightMatrix table;  // [vocab, hidden], or null when packed
    private final PackedLinear packed; // [vocab, hidden] as a layer's weight, or null

    public Embedding(WeightMatrix table) {
        this.table = table;
        this.packed = null;
    }

    /** A table in packed form: row {@code token} of the layer's weight is the token's embedding. */
    public Embedding(PackedLinear packed) {
        this.table = null;
        this.packed = packed;
    }

    /** The float table; null when the table is packed. */
    public WeightMatrix table() {
        return table;
    }

    public int vocabSize() {
        return table != null ? table.rows() : packed.outFeatures();
    }

    public int hiddenSize() {
        return table != null ? table.cols() : packed.inFeatures();
    }

    /** Copies row {@code token} into out[off .. off + hidden). */
    public void lookup(int token, float[] out, int off) {
        if (token < 0 || token >= vocabSize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary [0, " + vocabSize() + ")");
        }
        int hidden = hiddenSize();
        if (packed != null) {
            float[] row = new float[hidden];
            packed.dequantizeRows(token, token + 1, row);
            System.arraycopy(row, 0, out, off, hidden);
            return;
        }
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
