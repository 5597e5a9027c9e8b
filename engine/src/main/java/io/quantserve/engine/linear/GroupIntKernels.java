package io.quantserve.engine.linear;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama decode kernel of {@link GroupIntLinear}: per 16-channel chunk, load the chunk's int block, shift its
 * signed bit field up to the top and arithmetically down again, convert to float and fused-multiply-add with 16 contiguous inputs. Two accumulators per group
 * hide the FMA latency; the group partial is then scaled into the row accumulator, reduced once per row.
 * Kept in its own class so that a JVM without jdk.incubator.vector never loads it.
 */
final class GroupIntKernels {
    /** At most 16 lanes: a chunk is 16 ints, and wider vectors would mix chunks. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() <= GroupIntLinear.CHUNK
            ? FloatVector.SPECIES_PREFERRED
            : FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();

    private GroupIntKernels() {
    }

    static boolean usable() {
        return GroupIntLinear.CHUNK % L == 0 && L >= 4;
    }

    static void matvec(GroupIntLinear w, float[] xp, float[] xsum, float[] y, int yOff, int r0, int r1) {
        int[] packed = w.packed;
        int[] chunkStart = w.chunkStart;
        float[] scales = w.scales;
        float[] scaledZeros = w.scaledZeros;
        int groups = w.groups;
        int intsPerRow = w.intsPerRow;
        int bits = w.bits;
        int blockShift = w.blockShift;
        int fieldMask = (1 << blockShift) - 1;
        int down = 32 - bits;
        for (int r = r0; r < r1; r++) {
            int base = r * intsPerRow;
            FloatVector acc = FloatVector.zero(F);
            float zeroTerm = 0;
            for (int g = 0; g < groups; g++) {
                int c = chunkStart[g];
                int end = chunkStart[g + 1];
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = FloatVector.zero(F);
                for (; c + 2 <= end; c += 2) {
                    int b0 = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
                    int b1 = base + ((c + 1) >>> blockShift) * GroupIntLinear.CHUNK;
                    int s0 = down - (c & fieldMask) * bits;
                    int s1 = down - ((c + 1) & fieldMask) * bits;
                    for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                        p0 = field(packed, b0 + h, s0, down).fma(FloatVector.fromArray(F, xp, c * GroupIntLinear.CHUNK + h), p0);
                        p1 = field(packed, b1 + h, s1, down)
                                .fma(FloatVector.fromArray(F, xp, (c + 1) * GroupIntLinear.CHUNK + h), p1);
                    }
                }
                if (c < end) {
                    int b0 = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
                    int s0 = down - (c & fieldMask) * bits;
                    for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                        p0 = field(packed, b0 + h, s0, down).fma(FloatVector.fromArray(F, xp, c * GroupIntLinear.CHUNK + h), p0);
                    }
                }
                int sg = r * groups + g;
                acc = p0.add(p1).fma(FloatVector.broadcast(F, scales[sg]), acc);
                zeroTerm += scaledZeros[sg] * xsum[g];
            }
            y[yOff + r - r0] = acc.reduceLanes(VectorOperators.ADD) - zeroTerm;
        }
    }

    /** The signed bit field of L ints, brought to the top by {@code up} and down by {@code down}, as floats. */
    private static FloatVector field(int[] packed, int at, int up, int down) {
        return (FloatVector) IntVector.fromArray(I, packed, at)
                .lanewise(VectorOperators.LSHL, up)
                .lanewise(VectorOperators.ASHR, down)
                .convert(VectorOperators.I2F, 0);
    }
}
