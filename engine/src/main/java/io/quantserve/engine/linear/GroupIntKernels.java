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
        int perBlock = 1 << blockShift;
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
                FloatVector p2 = FloatVector.zero(F);
                FloatVector p3 = FloatVector.zero(F);
                // chunks before the group's first whole block (groups narrower than a block)
                for (; c < end && ((c & (perBlock - 1)) != 0 || c + perBlock > end); c++) {
                    p0 = chunk(packed, base, xp, c, blockShift, bits, down, p0);
                }
                // whole blocks: one load of the packed ints per L lanes, then every field of it
                for (; c + perBlock <= end; c += perBlock) {
                    int block = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
                    int x0 = c * GroupIntLinear.CHUNK;
                    for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                        IntVector v = IntVector.fromArray(I, packed, block + h);
                        if (bits == 4) {
                            p0 = signed(v, 28, 28).fma(FloatVector.fromArray(F, xp, x0 + h), p0);
                            p1 = signed(v, 24, 28).fma(FloatVector.fromArray(F, xp, x0 + 16 + h), p1);
                            p2 = signed(v, 20, 28).fma(FloatVector.fromArray(F, xp, x0 + 32 + h), p2);
                            p3 = signed(v, 16, 28).fma(FloatVector.fromArray(F, xp, x0 + 48 + h), p3);
                            p0 = signed(v, 12, 28).fma(FloatVector.fromArray(F, xp, x0 + 64 + h), p0);
                            p1 = signed(v, 8, 28).fma(FloatVector.fromArray(F, xp, x0 + 80 + h), p1);
                            p2 = signed(v, 4, 28).fma(FloatVector.fromArray(F, xp, x0 + 96 + h), p2);
                            p3 = top(v, 28).fma(FloatVector.fromArray(F, xp, x0 + 112 + h), p3);
                        } else {
                            for (int j = 0; j < perBlock; j += 2) {
                                int at = x0 + j * GroupIntLinear.CHUNK + h;
                                p0 = signed(v, down - j * bits, down).fma(FloatVector.fromArray(F, xp, at), p0);
                                p1 = signed(v, down - (j + 1) * bits, down)
                                        .fma(FloatVector.fromArray(F, xp, at + GroupIntLinear.CHUNK), p1);
                            }
                        }
                    }
                }
                for (; c < end; c++) { // the ragged end of a group
                    p1 = chunk(packed, base, xp, c, blockShift, bits, down, p1);
                }
                int sg = r * groups + g;
                acc = p0.add(p1).add(p2.add(p3)).fma(FloatVector.broadcast(F, scales[sg]), acc);
                zeroTerm += scaledZeros[sg] * xsum[g];
            }
            y[yOff + r - r0] = acc.reduceLanes(VectorOperators.ADD) - zeroTerm;
        }
    }

    /** One 16-channel chunk into {@code p}. */
    private static FloatVector chunk(int[] packed, int base, float[] xp, int c, int blockShift, int bits, int down,
            FloatVector p) {
        int block = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
        int up = down - (c & ((1 << blockShift) - 1)) * bits;
        for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
            p = signed(IntVector.fromArray(I, packed, block + h), up, down)
                    .fma(FloatVector.fromArray(F, xp, c * GroupIntLinear.CHUNK + h), p);
        }
        return p;
    }

    /** The signed bit field brought to the top by {@code up} and back down by {@code down}, as floats. */
    private static FloatVector signed(IntVector v, int up, int down) {
        return (FloatVector) v.lanewise(VectorOperators.LSHL, up)
                .lanewise(VectorOperators.ASHR, down)
                .convert(VectorOperators.I2F, 0);
    }

    /** The top field needs no shift up. */
    private static FloatVector top(IntVector v, int down) {
        return (FloatVector) v.lanewise(VectorOperators.ASHR, down).convert(VectorOperators.I2F, 0);
    }
}
