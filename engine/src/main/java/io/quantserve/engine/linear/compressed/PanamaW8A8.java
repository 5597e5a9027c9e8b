package io.quantserve.engine.linear.compressed;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * int8 x int8 dot product with the Vector API, exact in int32: weight bytes are widened to shorts and multiplied
 * with the (already widened) quantized activations in 16 bits, which cannot overflow (|product| <= 128 * 128), and
 * each product vector is widened to ints in two halves and added to int accumulators.
 */
final class PanamaW8A8 {
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private PanamaW8A8() {
    }

    static int dot(MemorySegment w, long off, short[] x, int xOff, int n) {
        IntVector a0 = IntVector.zero(I);
        IntVector a1 = IntVector.zero(I);
        IntVector a2 = IntVector.zero(I);
        IntVector a3 = IntVector.zero(I);
        int k = 0;
        for (; k + 2 * L <= n; k += 2 * L) {
            ShortVector p0 = ((ShortVector) ByteVector.fromMemorySegment(B, w, off + k, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, x, xOff + k));
            ShortVector p1 = ((ShortVector) ByteVector.fromMemorySegment(B, w, off + k + L, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, x, xOff + k + L));
            a0 = a0.add(p0.convertShape(VectorOperators.S2I, I, 0));
            a1 = a1.add(p0.convertShape(VectorOperators.S2I, I, 1));
            a2 = a2.add(p1.convertShape(VectorOperators.S2I, I, 0));
            a3 = a3.add(p1.convertShape(VectorOperators.S2I, I, 1));
        }
        for (; k + L <= n; k += L) {
            ShortVector p0 = ((ShortVector) ByteVector.fromMemorySegment(B, w, off + k, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.B2S, S, 0)).mul(ShortVector.fromArray(S, x, xOff + k));
            a0 = a0.add(p0.convertShape(VectorOperators.S2I, I, 0));
            a1 = a1.add(p0.convertShape(VectorOperators.S2I, I, 1));
        }
        int acc = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        for (; k < n; k++) {
            acc += w.get(ValueLayout.JAVA_BYTE, off + k) * x[xOff + k];
        }
        return acc;
    }
}
